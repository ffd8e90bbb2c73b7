// Package console is the officers' console: a small web application,
// rendered on the server, in which an officer of the receiving office sees
// each campaign's state as pipeline/rules judges it (the same state as
// `shoubao report`), downloads the files units sent, and records decisions
// (assign a message to a unit, mark it as not a submission, accept a
// problem, grant an extension, keep the roster) with their name.
//
// One handler file per page (overview.go, units.go, unit.go, pending.go,
// roster.go, mail.go, mailboxes.go, files.go, exports.go, login.go); the
// templates and the style sheet are embedded. Every page but /login and /healthz needs a
// login (auth.go): local users with bcrypt passwords, sessions in the
// store, a CSRF token on every form, a login rate limit; viewers read,
// officers also decide.
//
// Judging a province-sized campaign (500 units, 5,000 messages) takes
// 100–300 ms, so the state is computed once per campaign and kept for two
// seconds, then refreshed in the background while pages show the previous
// one for up to 90 seconds (state.go); a decision made here recomputes it
// at once.
package console

import (
	"context"
	"errors"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/upward"
	"github.com/shoubao/shoubao/sinks"
)

// Store is what the console reads and writes: the campaign's record, the
// decisions, the mailboxes' health, and its users and sessions.
type Store interface {
	Facts(ctx context.Context, campaignID string) ([]sinks.Message, error)
	Decisions(ctx context.Context, campaignID string) ([]sinks.Decision, error)
	Jobs(ctx context.Context, campaignID string) ([]sinks.Job, error)
	AddDecision(ctx context.Context, d sinks.Decision) (int64, error)
	Checkpoints(ctx context.Context) ([]sinks.Checkpoint, error)
	DeadLetters(ctx context.Context) ([]sinks.DeadLetter, error)
	User(ctx context.Context, name string) (sinks.User, error)
	CreateSession(ctx context.Context, s sinks.Session) error
	Session(ctx context.Context, tokenHash string, now time.Time) (sinks.Session, error)
	ExtendSession(ctx context.Context, tokenHash string, expires time.Time) error
	DeleteSession(ctx context.Context, tokenHash string) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)
}

// Files streams the files units sent, by SHA-256 (pipeline/bus's files
// bucket).
type Files interface {
	OpenFile(ctx context.Context, sha256 string) (io.ReadCloser, error)
}

// Options configure a console.
type Options struct {
	// Config gives the campaigns, poll.stale_after and
	// http.secure_cookies.
	Config *config.Config
	Store  Store
	// Files serves downloads; nil: files cannot be downloaded here (the
	// pages say so).
	Files Files
	Log   *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// CacheFor is how long a campaign's judged state is reused as is
	// (default 2s); a state up to StaleFor old (default 90s) is shown
	// while a fresh one is computed in the background, so that pages stay
	// fast while officers use them. A decision made here recomputes it at
	// once.
	CacheFor, StaleFor time.Duration
	// Transport sends the merged result to the upper office (the 导出
	// page's 报送上级); nil: not from this process.
	Transport upward.Transport
}

// Console is the officers' console, an http.Handler.
type Console struct {
	o         Options
	campaigns []*campaign.Campaign
	byID      map[string]*campaign.Campaign
	handler   http.Handler
	pages     map[string]*template.Template
	cache     *cache
	limiter   *limiter
	// flashes holds the message of each session's last action.
	flashes sync.Map
}

var _ http.Handler = (*Console)(nil)

// New returns the console for the campaigns of o.Config.
func New(o Options) *Console {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.CacheFor == 0 {
		o.CacheFor = 2 * time.Second
	}
	if o.StaleFor == 0 {
		o.StaleFor = 90 * time.Second
	}
	c := &Console{o: o, byID: map[string]*campaign.Campaign{}, pages: parsePages(),
		limiter: newLimiter(5, 15*time.Minute, o.Now)}
	for i := range o.Config.Campaign {
		d := o.Config.Campaign[i].Domain()
		c.campaigns = append(c.campaigns, &d)
		c.byID[d.ID] = &d
	}
	c.cache = newCache(o.Store, o.CacheFor, o.StaleFor, o.Now, o.Log)
	c.handler = c.routes()
	return c
}

func (c *Console) routes() http.Handler {
	private := http.NewServeMux()
	private.HandleFunc("GET /{$}", c.campaignList)
	private.HandleFunc("POST /logout", c.logout)
	private.HandleFunc("GET /c/{campaign}/{$}", c.withCampaign(c.overview))
	private.HandleFunc("GET /c/{campaign}/units", c.withCampaign(c.units))
	private.HandleFunc("GET /c/{campaign}/units/{name}", c.withCampaign(c.unit))
	private.HandleFunc("GET /c/{campaign}/pending", c.withCampaign(c.pending))
	private.HandleFunc("GET /c/{campaign}/roster", c.withCampaign(c.roster))
	private.HandleFunc("GET /c/{campaign}/mail", c.withCampaign(c.mail))
	private.HandleFunc("GET /c/{campaign}/mailboxes", c.withCampaign(c.mailboxes))
	private.HandleFunc("GET /c/{campaign}/files/{sha256}", c.withCampaign(c.file))
	private.HandleFunc("GET /c/{campaign}/exports", c.withCampaign(c.exports))
	private.HandleFunc("GET /c/{campaign}/exports/{kind}", c.withCampaign(c.exportFile))
	private.HandleFunc("POST /c/{campaign}/decide", c.withCampaign(c.decide))
	private.HandleFunc("POST /c/{campaign}/upward", c.withCampaign(c.upward))
	private.HandleFunc("POST /c/{campaign}/roster/import", c.withCampaign(c.rosterImport))
	private.HandleFunc("POST /c/{campaign}/roster/copy", c.withCampaign(c.rosterCopy))
	private.HandleFunc("/", c.notFound)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", c.healthz)
	mux.HandleFunc("GET /login", c.loginPage)
	mux.HandleFunc("POST /login", c.login)
	mux.Handle("GET /assets/", assetHandler())
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/assets/icon.svg", http.StatusMovedPermanently)
	})
	mux.Handle("/", c.auth(private))
	return securityHeaders(mux)
}

// ServeHTTP serves the console.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.handler.ServeHTTP(w, r) }

// Serve serves h on ln until ctx is done, then shuts down gracefully
// (waiting up to 5 s for requests in flight, downloads included).
func Serve(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	err := srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		<-done
		return nil
	}
	return err
}

// healthz answers 200 when the store answers, for monitoring.
func (c *Console) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if _, err := c.o.Store.Checkpoints(ctx); err != nil {
		c.o.Log.Warn("healthz: store", "err", err)
		http.Error(w, "store unavailable", http.StatusServiceUnavailable)
		return
	}
	_, _ = io.WriteString(w, "ok\n")
}

// securityHeaders sets the headers every response carries: no framing, no
// scripts or styles from elsewhere, no content sniffing, no caching of
// pages with personal data.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "+
			"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		if len(r.URL.Path) < 8 || r.URL.Path[:8] != "/assets/" {
			hd.Set("Cache-Control", "no-store")
		}
		h.ServeHTTP(w, r)
	})
}
