// Package poller pulls new messages from a contact mailbox over IMAP and
// publishes each one on the bus: raw bytes streamed into the raw object
// store, then an event pointing at them.
//
// One Poller serves one mailbox folder with one long-lived connection. It is
// incremental by UID: new messages are fetched in batches and stored
// several at a time (transfer.go), their events published in UID order, and
// the checkpoint (UIDVALIDITY and the last UID handed off) advances only
// past messages whose raw bytes and event the bus has acknowledged, so a
// crash at any point republishes at most the messages in flight, and the
// events' deduplication ids make that republish a no-op. When UIDVALIDITY
// changes the folder is rescanned: a message the store holds already (the
// same raw SHA-256 in this mailbox) is not put or published again; its
// stored copy is moved to its new UID, where post-processing finds it.
//
// The poller never changes the mailbox unless a post-process action is
// configured, and then only for messages the store already holds.
package poller

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/sinks"
)

// Store is what the poller needs from the store: its checkpoint and the
// stored messages still due a post-process action.
type Store interface {
	LoadCheckpoint(ctx context.Context, mailboxID string) (sinks.Checkpoint, error)
	SaveCheckpoint(ctx context.Context, cp sinks.Checkpoint) error
	PendingPostProcess(ctx context.Context, mailboxID string, limit int) ([]sinks.PostProcessItem, error)
	MarkPostProcessed(ctx context.Context, ids []int64) error
	// CopiesElsewhere returns the raw SHA-256 and size of the mailbox's
	// stored copies located in another UIDVALIDITY epoch, and Relocate
	// moves copies (by raw SHA-256, hex) to their UIDs in a new one.
	CopiesElsewhere(ctx context.Context, mailboxID string, uidValidity uint32) (map[[32]byte]int64, error)
	Relocate(ctx context.Context, mailboxID string, uidValidity uint32, uids map[string]uint32) error
}

// Publisher is what the poller needs from the bus.
type Publisher interface {
	PutRaw(ctx context.Context, name string, r io.Reader) (bus.RawInfo, error)
	Publish(ctx context.Context, ev bus.Event) (duplicate bool, err error)
}

// Mailbox is one campaign mailbox folder and how to log in to it.
type Mailbox struct {
	// ID is config.MailboxID(campaign, address).
	ID         string
	CampaignID string
	Address    string
	Host       string
	Port       int
	// TLS is implicit, starttls or none.
	TLS                string
	User               string
	Password           string
	Folder             string
	InsecureSkipVerify bool
}

// Post-process actions.
const (
	ActionNone    = "none"
	ActionSeen    = "seen"
	ActionKeyword = "keyword"
	ActionMove    = "move"
)

// Options tune a poller.
type Options struct {
	// Interval between syncs when the server has no IDLE, and the longest
	// IDLE before a sync anyway (post-processing, liveness). Default 2m.
	Interval time.Duration
	// StaleAfter: a mailbox without a successful sync for this long is
	// reported at error level on every failed attempt. Default 30m.
	StaleAfter time.Duration
	// MinBackoff and MaxBackoff bound the reconnect backoff. Defaults 1s, 5m.
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// PostProcess is ActionNone (default), ActionSeen, ActionKeyword or
	// ActionMove, with Keyword or MoveTo.
	PostProcess string
	Keyword     string
	MoveTo      string
	Logger      *slog.Logger
}

func (o *Options) defaults() {
	if o.Interval <= 0 {
		o.Interval = 2 * time.Minute
	}
	if o.StaleAfter <= 0 {
		o.StaleAfter = 30 * time.Minute
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Minute
	}
	if o.PostProcess == "" {
		o.PostProcess = ActionNone
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Poller syncs one mailbox folder.
type Poller struct {
	mb    Mailbox
	store Store
	pub   Publisher
	opts  Options
	log   *slog.Logger

	mu        sync.Mutex
	lastSync  time.Time
	published int
}

// New returns a poller for mb.
func New(mb Mailbox, store Store, pub Publisher, opts Options) *Poller {
	opts.defaults()
	return &Poller{mb: mb, store: store, pub: pub, opts: opts,
		log: opts.Logger.With("mailbox", mb.ID)}
}

// Published returns how many events this poller has published (duplicates
// included) since it was created.
func (p *Poller) Published() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.published
}

// SyncOnce connects, publishes every new message, runs the post-process
// action for stored messages, and disconnects. It returns how many messages
// it published. A failure is recorded in the checkpoint before returning.
func (p *Poller) SyncOnce(ctx context.Context) (int, error) {
	before := p.Published()
	sess, err := p.connect(ctx)
	if err == nil {
		err = sess.sync(ctx)
		sess.close()
	}
	if err != nil {
		p.recordError(ctx, err)
		return p.Published() - before, err
	}
	return p.Published() - before, nil
}

// Run keeps the mailbox in sync until ctx is done: one connection, a sync,
// then IDLE (or a poll interval) until something changes; reconnecting with
// capped exponential backoff after any failure. It returns nil when ctx is
// cancelled.
func (p *Poller) Run(ctx context.Context) error {
	go p.watchdog(ctx)
	backoff := p.opts.MinBackoff
	for {
		synced, err := p.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if synced {
			backoff = p.opts.MinBackoff
		}
		p.recordError(ctx, err)
		p.log.Info("reconnecting", "in", backoff)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, p.opts.MaxBackoff)
	}
}

// watchdog reports the mailbox loudly, at error level, for as long as it
// has gone without a successful sync for more than StaleAfter — whatever
// the reason, including a connection that hangs without failing.
func (p *Poller) watchdog(ctx context.Context) {
	start := time.Now()
	t := time.NewTicker(max(min(p.opts.StaleAfter/2, time.Minute), time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		p.mu.Lock()
		last := p.lastSync
		p.mu.Unlock()
		since := last
		if since.IsZero() {
			since = start
		}
		if stale := time.Since(since); stale > p.opts.StaleAfter {
			p.log.Error("MAILBOX IS STALE: no successful sync", "last_sync", last, "for", stale.Round(time.Second))
		}
	}
}

// session runs one connection until it fails; synced reports whether at
// least one sync succeeded on it.
func (p *Poller) session(ctx context.Context) (synced bool, err error) {
	sess, err := p.connect(ctx)
	if err != nil {
		return false, err
	}
	defer sess.close()
	for {
		if err := sess.sync(ctx); err != nil {
			return synced, err
		}
		synced = true
		if err := sess.wait(ctx, p.opts.Interval); err != nil {
			return synced, err
		}
		if ctx.Err() != nil {
			return synced, ctx.Err()
		}
	}
}

// recordError logs a failed sync and stores it in the checkpoint so that
// `shoubao status` shows it. Staleness makes it loud.
func (p *Poller) recordError(ctx context.Context, err error) {
	if err == nil || ctx.Err() != nil {
		return
	}
	now := time.Now()
	cp, lerr := p.store.LoadCheckpoint(ctx, p.mb.ID)
	if lerr != nil && !errors.Is(lerr, sinks.ErrNotFound) {
		p.log.Error("load checkpoint to record error", "err", lerr)
	}
	p.fillIdentity(&cp)
	cp.LastError, cp.LastErrorAt = err.Error(), now
	if serr := p.store.SaveCheckpoint(ctx, cp); serr != nil {
		p.log.Error("record sync error", "err", serr)
	}
	since := cp.LastSync
	if since.IsZero() {
		p.log.Warn("mailbox sync failed", "err", err, "never_synced", true)
		return
	}
	if stale := now.Sub(since); stale > p.opts.StaleAfter {
		p.log.Error("MAILBOX IS STALE: no successful sync", "since", since, "for", stale.Round(time.Second), "err", err)
		return
	}
	p.log.Warn("mailbox sync failed", "err", err)
}

func (p *Poller) fillIdentity(cp *sinks.Checkpoint) {
	cp.MailboxID, cp.CampaignID, cp.Address = p.mb.ID, p.mb.CampaignID, p.mb.Address
}

// session is one logged-in connection with the folder selected.
type session struct {
	p      *Poller
	c      *imapclient.Client
	uidVal uint32
	// changed is signalled by unilateral EXISTS/EXPUNGE data.
	changed chan struct{}
}

func (p *Poller) connect(ctx context.Context) (*session, error) {
	s := &session{p: p, changed: make(chan struct{}, 1)}
	notify := func() {
		select {
		case s.changed <- struct{}{}:
		default:
		}
	}
	opts := &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Expunge: func(uint32) { notify() },
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					notify()
				}
			},
		},
	}
	c, err := dial(ctx, p.mb, opts)
	if err != nil {
		return nil, err
	}
	s.c = c
	// Unblock any command when the context ends.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	ok := false
	defer func() {
		if !ok {
			stop()
			c.Close()
		}
	}()
	if err := c.Login(p.mb.User, p.mb.Password).Wait(); err != nil {
		return nil, fmt.Errorf("login as %s: %w", p.mb.User, err)
	}
	// 163.com and 126.com refuse SELECT ("Unsafe Login") from a client that
	// has not identified itself with ID (RFC 2971). Servers without ID
	// answer BAD or NO, which is harmless.
	if _, err := c.ID(&imap.IDData{Name: "shoubao", Version: "1", Vendor: "shoubao", SupportURL: "https://github.com/shoubao/shoubao"}).Wait(); err != nil {
		p.log.Debug("server refused IMAP ID", "err", err)
	}
	sel, err := c.Select(p.mb.Folder, &imap.SelectOptions{ReadOnly: p.opts.PostProcess == ActionNone}).Wait()
	if err != nil {
		return nil, fmt.Errorf("select %s: %w", p.mb.Folder, err)
	}
	s.uidVal = sel.UIDValidity
	ok = true
	return s, nil
}

func (s *session) close() {
	_ = s.c.Logout().Wait()
	s.c.Close()
}

// wait blocks until the folder changes, the interval passes or ctx ends,
// using IDLE when the server offers it.
func (s *session) wait(ctx context.Context, interval time.Duration) error {
	timer := time.NewTimer(interval)
	defer timer.Stop()
	if !s.c.Caps().Has(imap.CapIdle) {
		select {
		case <-ctx.Done():
		case <-timer.C:
		}
		return nil
	}
	idle, err := s.c.Idle()
	if err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	select {
	case <-ctx.Done():
	case <-timer.C:
	case <-s.changed:
	case <-s.c.Closed():
	}
	// Leaving IDLE on a connection that died silently would wait forever:
	// give the server a minute to answer DONE.
	done := make(chan error, 1)
	go func() {
		if err := idle.Close(); err != nil {
			done <- err
			return
		}
		done <- idle.Wait()
	}()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("idle: %w", err)
		}
		return nil
	case <-time.After(time.Minute):
		s.c.Close()
		return errors.New("idle: the server did not answer DONE within a minute; reconnecting")
	}
}
