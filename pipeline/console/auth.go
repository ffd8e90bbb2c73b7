package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/sinks"
)

const (
	sessionCookie = "shoubao_session"
	// sessionLife is how long a session lasts without use; using it
	// in its second half extends it.
	sessionLife = 12 * time.Hour
	// maxForm bounds a form, an uploaded roster included.
	maxForm = 8 << 20
)

// who is the logged-in user of a request.
type who struct {
	user    sinks.User
	session sinks.Session
}

type whoKey struct{}

func userOf(r *http.Request) *who {
	w, _ := r.Context().Value(whoKey{}).(*who)
	return w
}

// newToken returns 32 random bytes, base64url-encoded.
func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// tokenHash is what the store keeps of a session token.
func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// auth lets a request through only with a live session: pages without
// one redirect to the login page. A POST must also carry the session's
// CSRF token and, except logging out, come from an officer.
func (c *Console) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := c.sessionUser(r)
		if err != nil {
			if !errors.Is(err, sinks.ErrNotFound) {
				c.o.Log.Error("console: session", "err", err)
				c.fail(w, r, http.StatusServiceUnavailable, "暂时无法读取数据库，请稍后再试。")
				return
			}
			c.clearCookie(w, r, sessionCookie)
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			c.fail(w, r, http.StatusUnauthorized, "请先登录。")
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), whoKey{}, u))
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
			var err error
			if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "multipart/form-data" {
				err = r.ParseMultipartForm(maxForm)
			} else {
				err = r.ParseForm()
			}
			if err != nil {
				c.fail(w, r, http.StatusBadRequest, "表单无法读取（文件是否超过 8 MB？）。")
				return
			}
			if !sameOrigin(r) || subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(u.session.CSRF)) != 1 {
				c.fail(w, r, http.StatusForbidden, "表单已过期或来源不明，没有执行。请回到页面，刷新后再试。")
				return
			}
			if r.URL.Path != "/logout" && u.user.Role != sinks.RoleOfficer {
				c.fail(w, r, http.StatusForbidden, "您的账号只能查看，不能作出或修改决定。")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// sameOrigin refuses a request whose Origin header names another site
// (browsers send it with every POST); a request without one passes, the
// CSRF token decides.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

// sessionUser finds the request's session and its user, extending the
// session when it is in its second half.
func (c *Console) sessionUser(r *http.Request) (*who, error) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" || len(ck.Value) > 100 {
		return nil, sinks.ErrNotFound
	}
	now := c.o.Now()
	h := tokenHash(ck.Value)
	se, err := c.o.Store.Session(r.Context(), h, now)
	if err != nil {
		return nil, err
	}
	u, err := c.o.Store.User(r.Context(), se.User)
	if err != nil {
		return nil, err
	}
	if se.ExpiresAt.Sub(now) < sessionLife/2 {
		if err := c.o.Store.ExtendSession(r.Context(), h, now.Add(sessionLife)); err != nil {
			c.o.Log.Warn("console: extend session", "err", err)
		}
	}
	return &who{user: u, session: se}, nil
}

// startSession creates a session for user and sets its cookie.
func (c *Console) startSession(w http.ResponseWriter, r *http.Request, user string) error {
	token := newToken()
	now := c.o.Now()
	if err := c.o.Store.CreateSession(r.Context(), sinks.Session{TokenHash: tokenHash(token), User: user,
		CSRF: newToken(), CreatedAt: now, ExpiresAt: now.Add(sessionLife)}); err != nil {
		return err
	}
	if n, err := c.o.Store.DeleteExpiredSessions(r.Context(), now); err == nil && n > 0 {
		c.o.Log.Debug("console: expired sessions removed", "n", n)
	}
	c.setCookie(w, r, sessionCookie, token, 0)
	return nil
}

// secure says whether cookies get the Secure attribute.
func (c *Console) secure(r *http.Request) bool {
	switch c.o.Config.HTTP.SecureCookies {
	case config.SecureCookiesAlways:
		return true
	case config.SecureCookiesNever:
		return false
	}
	return r.TLS != nil
}

// setCookie sets an HttpOnly, SameSite=Lax cookie for the whole site; a
// session cookie when maxAge is 0.
func (c *Console) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: c.secure(r)})
}

func (c *Console) clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	if _, err := r.Cookie(name); err == nil {
		c.setCookie(w, r, name, "", -1)
	}
}

// clientIP is the address a login attempt came from: the TCP peer, or,
// when the peer is a reverse proxy on the same machine (a loopback
// address), the last address it put in X-Forwarded-For — else every
// attempt through the proxy would count against one address.
func clientIP(r *http.Request) string {
	host := r.RemoteAddr
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if last := strings.TrimSpace(parts[len(parts)-1]); net.ParseIP(last) != nil {
				return last
			}
		}
	}
	return host
}
