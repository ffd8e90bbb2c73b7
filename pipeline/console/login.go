package console

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/shoubao/shoubao/sinks"
)

// loginCookie carries the login form's CSRF token (double submit: the
// form and the cookie must agree), so that another site cannot log a
// browser in under its own account.
const loginCookie = "shoubao_login"

// dummyHash is compared against when the user does not exist, so that a
// wrong name takes as long as a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("shoubao: no such user"), bcrypt.DefaultCost)

type loginData struct {
	Name, Next, Token, Error string
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	if u, err := c.sessionUser(r); err == nil && u != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	c.showLogin(w, r, http.StatusOK, loginData{Next: r.URL.Query().Get("next")})
}

func (c *Console) showLogin(w http.ResponseWriter, r *http.Request, status int, d loginData) {
	// One token per browser, kept while it lasts: a second login page
	// (another tab, a request the browser makes by itself) must not
	// invalidate the first.
	if ck, err := r.Cookie(loginCookie); err == nil && len(ck.Value) == len(newToken()) {
		d.Token = ck.Value
	} else {
		d.Token = newToken()
	}
	d.Next = safeNext(d.Next)
	c.setCookie(w, r, loginCookie, d.Token, 3600)
	c.render(w, r, status, "login", &page{Title: "登录", Data: d})
}

func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		c.fail(w, r, http.StatusBadRequest, "表单无法读取。")
		return
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	d := loginData{Name: name, Next: r.PostFormValue("next")}
	ck, err := r.Cookie(loginCookie)
	if err != nil || !sameOrigin(r) || ck.Value == "" ||
		subtle.ConstantTimeCompare([]byte(ck.Value), []byte(r.PostFormValue("token"))) != 1 {
		d.Error = "登录页面已过期，请重新输入。"
		c.showLogin(w, r, http.StatusForbidden, d)
		return
	}
	keys := []string{"ip:" + clientIP(r), "user:" + name}
	if blocked, wait := c.limiter.blocked(keys...); blocked {
		d.Error = fmt.Sprintf("登录失败次数过多，请 %d 分钟后再试。", int(wait.Round(time.Minute)/time.Minute)+1)
		c.o.Log.Warn("console: login refused, too many failures", "user", name, "ip", clientIP(r))
		c.showLogin(w, r, http.StatusTooManyRequests, d)
		return
	}
	u, err := c.o.Store.User(r.Context(), name)
	hash := []byte(u.PasswordHash)
	if err != nil {
		if !errors.Is(err, sinks.ErrNotFound) {
			c.o.Log.Error("console: login", "err", err)
			c.fail(w, r, http.StatusServiceUnavailable, "暂时无法读取数据库，请稍后再试。")
			return
		}
		hash = dummyHash
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(r.PostFormValue("password"))) != nil || err != nil {
		c.limiter.fail(keys...)
		c.o.Log.Info("console: login failed", "user", name, "ip", clientIP(r))
		d.Error = "用户名或密码不对。"
		c.showLogin(w, r, http.StatusUnauthorized, d)
		return
	}
	c.limiter.reset("user:" + name)
	if err := c.startSession(w, r, u.Name); err != nil {
		c.o.Log.Error("console: login", "err", err)
		c.fail(w, r, http.StatusServiceUnavailable, "暂时无法读取数据库，请稍后再试。")
		return
	}
	c.clearCookie(w, r, loginCookie)
	c.o.Log.Info("console: logged in", "user", u.Name, "ip", clientIP(r))
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	if u := userOf(r); u != nil {
		if err := c.o.Store.DeleteSession(r.Context(), u.session.TokenHash); err != nil {
			c.o.Log.Warn("console: logout", "err", err)
		}
	}
	c.clearCookie(w, r, sessionCookie)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext keeps a redirect target on this site: a path, never another
// host ("//evil", "/\evil").
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}
