// Package poller pulls new messages from a contact mailbox over IMAP and
// publishes each one on the bus: raw bytes streamed into the raw object
// store, then an event pointing at them.
//
// One Poller serves one mailbox folder with one long-lived connection. It is
// incremental by UID: the checkpoint (UIDVALIDITY and the last UID handed
// off) advances only after the bus has acknowledged the event, so a crash at
// any point republishes at most the message in flight, and the event's
// deduplication id makes that republish a no-op. When UIDVALIDITY changes the
// folder is rescanned; the workers store each message once whatever its UID.
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
	"slices"
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

// pending is a message to fetch: its position now and its size.
type pending struct {
	seq  uint32
	uid  imap.UID
	size int64
	date time.Time
}

// sync publishes every message newer than the checkpoint, then runs the
// post-process action.
func (s *session) sync(ctx context.Context) error {
	p := s.p
	cp, err := p.store.LoadCheckpoint(ctx, p.mb.ID)
	if err != nil && !errors.Is(err, sinks.ErrNotFound) {
		return fmt.Errorf("load checkpoint: %w", err)
	}
	p.fillIdentity(&cp)
	if cp.UIDValidity != s.uidVal {
		if cp.UIDValidity != 0 {
			p.log.Warn("UIDVALIDITY changed: rescanning the folder; messages already stored are recognised by content",
				"old", cp.UIDValidity, "new", s.uidVal)
		}
		cp.UIDValidity, cp.LastUID = s.uidVal, 0
	}
	todo, err := s.newMessages(imap.UID(cp.LastUID))
	if err != nil {
		return err
	}
	for _, m := range todo {
		if err := s.handOff(ctx, m); err != nil {
			return err
		}
		cp.LastUID = uint32(m.uid)
		if err := p.store.SaveCheckpoint(ctx, cp); err != nil {
			return fmt.Errorf("save checkpoint: %w", err)
		}
	}
	cp.LastSync, cp.LastError, cp.LastErrorAt = time.Now(), "", time.Time{}
	if err := p.store.SaveCheckpoint(ctx, cp); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	p.mu.Lock()
	p.lastSync = cp.LastSync
	p.mu.Unlock()
	if len(todo) > 0 {
		p.log.Info("synced", "published", len(todo), "last_uid", cp.LastUID)
	}
	return s.postProcess(ctx)
}

// newMessages lists the messages with a UID above last, in UID order. It
// asks only for small items (no literal), so the UID is always known when
// the response is matched.
func (s *session) newMessages(last imap.UID) ([]pending, error) {
	if mb := s.c.Mailbox(); mb != nil && mb.NumMessages == 0 {
		return nil, nil
	}
	var set imap.UIDSet
	set.AddRange(last+1, 0) // last+1:*
	msgs, err := s.c.Fetch(set, &imap.FetchOptions{UID: true, RFC822Size: true, InternalDate: true}).Collect()
	if err != nil {
		return nil, fmt.Errorf("list new messages: %w", err)
	}
	var out []pending
	for _, m := range msgs {
		// "last+1:*" always matches the highest UID, even when it is last.
		if m.UID > last {
			out = append(out, pending{seq: m.SeqNum, uid: m.UID, size: m.RFC822Size, date: m.InternalDate})
		}
	}
	slices.SortFunc(out, func(a, b pending) int { return int(a.uid) - int(b.uid) })
	return out, nil
}

// handOff streams one message into the raw store and publishes its event.
//
// QUIRK: go-imap v2 (beta.8) silently drops a UID FETCH response whose UID
// item comes after the body literal (the response is matched to the command
// by UID before the UID has been read). The body is therefore fetched by
// sequence number, which is matched on arrival, and the UID in the response
// is checked against the expected one.
func (s *session) handOff(ctx context.Context, m pending) error {
	p := s.p
	name := bus.ObjectName(p.mb.ID, s.uidVal, uint32(m.uid))
	cmd := s.c.Fetch(imap.SeqSetNum(m.seq), &imap.FetchOptions{
		UID:         true,
		BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	})
	// QUIRK: once a literal's Read has failed (the connection dropped or
	// timed out mid-body), go-imap's reader goroutine moves on, yet any
	// further Next or Close re-reads the unfinished literal from the same
	// buffer: a data race in the library. A broken command is therefore
	// abandoned and the connection closed instead.
	var lit *exactReader
	defer func() {
		if lit != nil && lit.broken() {
			s.c.Close()
			return
		}
		cmd.Close()
	}()
	msg := cmd.Next()
	if msg == nil {
		if err := cmd.Close(); err != nil {
			return fmt.Errorf("fetch uid %d: %w", m.uid, err)
		}
		return fmt.Errorf("fetch uid %d: the server returned no message (expunged?)", m.uid)
	}
	var (
		gotUID  imap.UID
		info    bus.RawInfo
		gotBody bool
	)
	for {
		item := msg.Next()
		if item == nil {
			break
		}
		switch it := item.(type) {
		case imapclient.FetchItemDataUID:
			gotUID = it.UID
		case imapclient.FetchItemDataBodySection:
			if gotBody || it.Literal == nil {
				continue
			}
			var err error
			lit = &exactReader{r: it.Literal, want: it.Literal.Size()}
			info, err = p.pub.PutRaw(ctx, name, lit)
			if err == nil && lit.broken() {
				err = lit.err
			}
			if err != nil {
				return fmt.Errorf("fetch uid %d: %w", m.uid, err)
			}
			gotBody = true
		}
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("fetch uid %d: %w", m.uid, err)
	}
	switch {
	case !gotBody:
		return fmt.Errorf("fetch uid %d: the response held no message body", m.uid)
	case gotUID != m.uid:
		// The folder changed under us (an expunge shifted sequence numbers).
		// Nothing is published; the next sync lists the folder again.
		return fmt.Errorf("fetch uid %d: sequence number %d now holds uid %d; will resync", m.uid, m.seq, gotUID)
	}
	if m.size > 0 && info.Size != m.size {
		p.log.Warn("message size differs from RFC822.SIZE", "uid", m.uid, "rfc822_size", m.size, "fetched", info.Size)
	}
	ev := bus.Event{
		CampaignID: p.mb.CampaignID, MailboxID: p.mb.ID, UIDValidity: s.uidVal, UID: uint32(m.uid),
		InternalDate: m.date, Object: name, Size: info.Size, SHA256: info.SHA256,
	}
	dup, err := p.pub.Publish(ctx, ev)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.published++
	p.mu.Unlock()
	p.log.Debug("published", "uid", m.uid, "size", info.Size, "duplicate", dup)
	return nil
}

// exactReader reads a literal and reports a short one: go-imap ends a
// literal cut off by a dropped connection with a plain io.EOF, which would
// otherwise pass for a complete (truncated) message.
type exactReader struct {
	r         io.Reader
	want, got int64
	err       error
}

func (e *exactReader) Read(b []byte) (int, error) {
	n, err := e.r.Read(b)
	e.got += int64(n)
	switch {
	case err == io.EOF && e.got < e.want:
		err = fmt.Errorf("literal ended after %d of %d bytes: %w", e.got, e.want, io.ErrUnexpectedEOF)
		e.err = err
	case err != nil && err != io.EOF:
		e.err = err
	}
	return n, err
}

// broken reports whether a Read failed before the literal's end.
func (e *exactReader) broken() bool { return e.err != nil }
