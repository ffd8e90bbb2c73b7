// Package worker turns message events into stored facts: it reads the raw
// message from the bus, inspects it (decoding, files, archives, tables,
// videos), stores what it found and acknowledges the event. It judges
// nothing: lateness, units and limits are computed at read time by
// pipeline/rules.
//
// Delivery is at least once and every effect is idempotent: a message is
// stored once per mailbox whatever the number of deliveries (the store keys
// it by its raw SHA-256), and its files are content-addressed. While the
// store or the bus is down the event is kept and tried again every few
// seconds, costing it no attempt; any other failure is retried with
// backoff, and a message that keeps failing becomes a dead-letter record
// after MaxDeliver attempts, while its raw bytes stay in the raw bucket.
//
// A message cannot stop the pipeline: every delivery that ends without
// storing the message is recorded on the bus, and from an event's second
// delivery on each attempt is recorded before the message is read, with
// the file being read, and removed when the message is stored. A delivery
// that never ended was cut short by a crash, an out-of-memory kill or a
// hang; once MaxCrashes deliveries of a message have been cut short, the
// next reads only its header and the names of its parts, stores it with a
// needs_manual_review finding naming the file that was being read, and
// records a dead letter. A first delivery, the common case, neither reads
// nor writes the record when the message is stored.
package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/shoubao/shoubao/parsers/finding"
	"github.com/shoubao/shoubao/parsers/inspect"
	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/receipts"
	"github.com/shoubao/shoubao/sinks"
)

// Store is what the worker needs from the store.
type Store interface {
	HasMessage(ctx context.Context, mailboxID, rawSHA256 string) (bool, error)
	MoveForward(ctx context.Context, mailboxID, rawSHA256 string, uidValidity, uid uint32) (bool, error)
	SaveMessage(ctx context.Context, m *sinks.Message) (id int64, created bool, err error)
	RecordDeadLetter(ctx context.Context, d sinks.DeadLetter) error
}

// Bus is what the worker needs from the bus: raw messages to read, a
// place for the files found in them, and the record of attempts.
type Bus interface {
	OpenRaw(ctx context.Context, name string) (io.ReadCloser, error)
	inspect.FileSink
	Attempts
}

// Attempts records the handling of events outside the process, so that an
// attempt cut short by a crash is known at the event's next delivery.
type Attempts interface {
	BeginAttempt(ctx context.Context, eventID string) (bus.Attempt, error)
	NoteAttemptFile(ctx context.Context, a bus.Attempt, file string) error
	SaveAttempt(ctx context.Context, a bus.Attempt) error
	EndAttempt(ctx context.Context, eventID string) error
}

var _ Bus = (*bus.Bus)(nil)

// Options tune a worker.
type Options struct {
	// Campaigns by id: the campaigns this process may store messages for.
	Campaigns map[string]*config.Campaign
	// TempDir is scratch space for spooled parts.
	TempDir string
	// Limits bound the inspection of one message.
	Limits inspect.Limits
	// FFprobe is the ffprobe binary used for videos our parser cannot read.
	FFprobe string
	// DownloadLinks downloads large-attachment links and inspects the files.
	DownloadLinks bool
	// MaxDeliver is how many attempts a message gets before it becomes a
	// dead letter. Default 5.
	MaxDeliver int
	// MinBackoff and MaxBackoff bound the retry delay of a message whose
	// handling failed. Defaults 2s, 1m.
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// UnavailableRetry is the longest pause between the tries of an event
	// while the store or the bus is unavailable: the event is kept and
	// tried again in place, from a tenth of this, doubling. Default 5s.
	UnavailableRetry time.Duration
	// AckWait is the consumer's AckWait; the worker reports progress at a
	// third of it while it works. Default DefaultAckWait.
	AckWait time.Duration
	// MaxCrashes is how many attempts of a message may be cut short (the
	// process died or hung while reading it) before the message is stored
	// unread for manual review. Default 2.
	MaxCrashes int
	// HangAfter is how long one attempt may take before the worker stops
	// reporting progress for it, so that the event is redelivered and the
	// attempt counts as cut short. Default: Limits.Timeout plus 5 minutes.
	HangAfter time.Duration
	// BeforeFile, when set, is called with each file's name before the
	// file's content is read, after the attempt record names it (tests use
	// it to stop the process at a chosen file).
	BeforeFile func(name string)
	// Stored, when set, is called after a message was newly stored (the
	// sender wakes up for its receipt).
	Stored func()
	Logger *slog.Logger
}

// DefaultAckWait is the worker consumer's AckWait: short, so that the
// events a process held when it died (kill -9, out of memory, power) come
// back within seconds; kept alive by progress acks every third of it while
// a message is read or the store is waited for.
const DefaultAckWait = 10 * time.Second

// Worker processes events.
type Worker struct {
	store Store
	bus   Bus
	opts  Options
	log   *slog.Logger

	mu    sync.Mutex
	stats Stats
}

// Stats counts what a worker did. Waited counts the tries of an event put
// off because the store or the bus was unavailable.
type Stats struct {
	Stored, Duplicates, Retried, DeadLetters, Quarantined, Waited int
}

// New returns a worker.
func New(store Store, b Bus, opts Options) *Worker {
	if opts.MaxDeliver <= 0 {
		opts.MaxDeliver = 5
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 2 * time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = time.Minute
	}
	if opts.UnavailableRetry <= 0 {
		opts.UnavailableRetry = 5 * time.Second
	}
	if opts.AckWait <= 0 {
		opts.AckWait = DefaultAckWait
	}
	if opts.MaxCrashes <= 0 {
		opts.MaxCrashes = 2
	}
	if opts.HangAfter <= 0 {
		opts.HangAfter = opts.Limits.WithDefaults().Timeout + 5*time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Worker{store: store, bus: b, opts: opts, log: opts.Logger}
}

// Stats returns the counters so far.
func (w *Worker) Stats() Stats {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stats
}

func (w *Worker) count(f func(*Stats)) {
	w.mu.Lock()
	f(&w.stats)
	w.mu.Unlock()
}

// Run pulls events from the consumer with n concurrent workers until ctx is
// done.
func (w *Worker) Run(ctx context.Context, cons jetstream.Consumer, n int) error {
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < max(n, 1); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.loop(ctx, cons); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func (w *Worker) loop(ctx context.Context, cons jetstream.Consumer) error {
	it, err := cons.Messages(jetstream.PullMaxMessages(1))
	if err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	defer it.Stop()
	for {
		msg, err := it.Next()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return nil
			}
			w.log.Warn("worker: next event", "err", err)
			continue
		}
		w.Deliver(ctx, msg)
	}
}

// Deliver handles one delivered event and settles it with the bus: ack when
// stored (or already stored), a delayed nak when a retry may help, term
// after the message has become a dead letter.
//
// A failure of the store or the bus themselves (sinks.ErrUnavailable,
// bus.ErrUnavailable: down, restarting, unreachable) says nothing about the
// message: the event is kept (progress acks go on) and handled again in
// place every few seconds (Options.UnavailableRetry) until it succeeds, so
// that it is stored within seconds of the store's or the server's return
// and the outage costs it none of its MaxDeliver attempts.
func (w *Worker) Deliver(ctx context.Context, msg jetstream.Msg) {
	var ev bus.Event
	if err := json.Unmarshal(msg.Data(), &ev); err != nil {
		// Not ours to read; nothing to store. Keep it out of the way.
		w.log.Error("worker: undecodable event; terminating it", "err", err, "subject", msg.Subject())
		_ = msg.Term()
		return
	}
	attempt := 1
	if md, err := msg.Metadata(); err == nil {
		attempt = int(md.NumDelivered)
	}
	log := w.log.With("event", ev.ID(), "attempt", attempt)

	// Keep the event ours while we work on a large message, or wait for
	// the store or the bus to come back. Each try has HangAfter.
	hctx, cancel := context.WithCancel(ctx)
	defer cancel()
	tries := make(chan struct{}, 1)
	go w.keepAlive(hctx, msg, tries, log)

	var err error
	for try := 0; ; try++ {
		select {
		case tries <- struct{}{}:
		default:
		}
		err = w.handle(hctx, ev, attempt)
		if err == nil || !Unavailable(err) || ctx.Err() != nil {
			break
		}
		delay := w.unavailableDelay(try)
		if try == 0 {
			log.Warn("worker: store or bus unavailable; keeping the event and trying again", "err", err, "every", w.opts.UnavailableRetry)
		} else {
			log.Debug("worker: still unavailable", "err", err, "in", delay)
		}
		w.count(func(s *Stats) { s.Waited++ })
		select {
		case <-ctx.Done():
		case <-time.After(delay):
		}
	}
	cancel()
	if err == nil {
		w.ack(ctx, msg, log)
		return
	}
	if ctx.Err() != nil {
		_ = msg.NakWithDelay(w.opts.MinBackoff)
		return
	}
	if attempt < w.opts.MaxDeliver {
		delay := w.backoff(attempt)
		log.Warn("worker: will retry", "err", err, "in", delay)
		w.count(func(s *Stats) { s.Retried++ })
		_ = msg.NakWithDelay(delay)
		return
	}
	dl := sinks.DeadLetter{CampaignID: ev.CampaignID, MailboxID: ev.MailboxID, RawObject: ev.Object,
		UIDValidity: ev.UIDValidity, UID: ev.UID, Error: err.Error(), Attempts: attempt, FailedAt: time.Now()}
	if derr := w.store.RecordDeadLetter(ctx, dl); derr != nil {
		// The store went down meanwhile: keep the event; its next
		// delivery, in a few seconds, tries once more and then records
		// the dead letter.
		delay := w.unavailableDelay(0)
		log.Error("worker: cannot record dead letter; keeping the event", "err", err, "record_err", derr, "in", delay)
		_ = msg.NakWithDelay(delay)
		return
	}
	log.Error("worker: DEAD LETTER: message kept failing; raw bytes kept", "err", err, "object", ev.Object)
	w.count(func(s *Stats) { s.DeadLetters++ })
	_ = msg.Term()
}

// Unavailable reports whether err is a failure of the store or the bus
// themselves rather than of the message.
func Unavailable(err error) bool {
	return errors.Is(err, sinks.ErrUnavailable) || errors.Is(err, bus.ErrUnavailable)
}

// keepAlive reports progress on msg every AckWait/3 until ctx is done. A
// try (a signal on tries) that lasts longer than HangAfter is a hang: it
// stops, so that the event goes back to the stream and the attempt counts
// as cut short.
func (w *Worker) keepAlive(ctx context.Context, msg jetstream.Msg, tries <-chan struct{}, log *slog.Logger) {
	t := time.NewTicker(w.opts.AckWait / 3)
	defer t.Stop()
	hung := time.NewTimer(w.opts.HangAfter)
	defer hung.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tries:
			hung.Reset(w.opts.HangAfter)
		case <-hung.C:
			// Let the event go back to the stream: its attempt record
			// stays, so this attempt counts as cut short.
			log.Error("worker: handling hangs; giving the event back", "after", w.opts.HangAfter)
			return
		case <-t.C:
			_ = msg.InProgress()
		}
	}
}

// ack acknowledges a handled event. The acknowledgement is sent, not
// waited for: one lost on the way (the server restarting) only brings the
// event back after AckWait, to be found stored (HasMessage) and
// acknowledged again, and waiting for the server's confirmation of every
// event was a round trip per message. Sending fails only while the
// connection is down; it is tried again for up to AckWait.
func (w *Worker) ack(ctx context.Context, msg jetstream.Msg, log *slog.Logger) {
	deadline := time.Now().Add(w.opts.AckWait)
	for try := 0; ; try++ {
		err := msg.Ack()
		if err == nil || errors.Is(err, jetstream.ErrMsgAlreadyAckd) {
			return
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			// Stored but not acknowledged: the redelivery finds it stored.
			log.Warn("worker: ack failed", "err", err)
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(w.unavailableDelay(try)):
		}
	}
}

// backoff is the delay before the next delivery of an event whose handling
// failed for the attempt-th time.
func (w *Worker) backoff(attempt int) time.Duration {
	d := w.opts.MinBackoff
	for i := 1; i < attempt && d < w.opts.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, w.opts.MaxBackoff)
}

// unavailableDelay is the pause before the try-th retry (from 0) of an
// event whose store or bus was unavailable: from a tenth of
// UnavailableRetry, doubling, up to UnavailableRetry.
func (w *Worker) unavailableDelay(try int) time.Duration {
	d := max(w.opts.UnavailableRetry/10, time.Millisecond)
	for i := 0; i < try && d < w.opts.UnavailableRetry; i++ {
		d *= 2
	}
	return min(d, w.opts.UnavailableRetry)
}

// Handle processes one event as a first delivery. It returns nil when the
// message is stored (now or before), and an error only when a retry may
// succeed.
func (w *Worker) Handle(ctx context.Context, ev bus.Event) error {
	return w.handle(ctx, ev, 1)
}

// handle processes the delivery-th delivery of an event (from 1).
func (w *Worker) handle(ctx context.Context, ev bus.Event, delivery int) (err error) {
	if ev.SHA256 != "" {
		done, err := w.store.HasMessage(ctx, ev.MailboxID, ev.SHA256)
		if err != nil {
			return fmt.Errorf("handle %s: %w", ev.ID(), err)
		}
		if done {
			// Published again after a UIDVALIDITY reset while the old
			// epoch's event was being stored: file the copy where it is now.
			moved, err := w.store.MoveForward(ctx, ev.MailboxID, ev.SHA256, ev.UIDValidity, ev.UID)
			if err != nil {
				return fmt.Errorf("handle %s: %w", ev.ID(), err)
			}
			if moved {
				w.log.Info("stored copy moved to its new UIDVALIDITY", "event", ev.ID())
			}
			w.count(func(s *Stats) { s.Duplicates++ })
			return nil
		}
	}
	att, began, err := w.beginAttempt(ctx, ev.ID(), delivery)
	if err != nil {
		return fmt.Errorf("handle %s: %w", ev.ID(), err)
	}
	defer func() { w.endAttempt(ctx, att, began, err) }()
	if _, ok := w.opts.Campaigns[ev.CampaignID]; !ok {
		// Never store a message for a campaign nobody configured: retry
		// (a process with the new configuration may take it), then a dead
		// letter.
		return fmt.Errorf("handle %s: campaign %q is not in this process's configuration", ev.ID(), ev.CampaignID)
	}
	cutShort := att.cutShort
	quarantine := cutShort >= w.opts.MaxCrashes
	var node *inspect.Node
	if quarantine {
		w.log.Error("worker: message stopped the process before; storing it unread", "event", ev.ID(),
			"cut_short", cutShort, "file", att.File)
		node, err = w.quarantine(ctx, ev, att.Attempt)
	} else {
		var note *bus.Attempt
		if began {
			note = &att.Attempt
		}
		node, err = w.inspect(ctx, ev, note)
	}
	if err != nil {
		return fmt.Errorf("handle %s: %w", ev.ID(), err)
	}
	m, err := Record(ev, node)
	if err != nil {
		return fmt.Errorf("handle %s: %w", ev.ID(), err)
	}
	// The receipt is decided here, and stored with the message in one
	// transaction: once per message, whatever the copies.
	dom := w.opts.Campaigns[ev.CampaignID].Domain()
	if job, ok := receipts.Decide(&dom, m); ok {
		m.Jobs = append(m.Jobs, job)
	}
	if quarantine {
		reason := fmt.Sprintf("quarantined: the process stopped %d times while reading this message", cutShort)
		if att.File != "" {
			reason += fmt.Sprintf(" (file %q)", att.File)
		}
		dl := sinks.DeadLetter{CampaignID: ev.CampaignID, MailboxID: ev.MailboxID, RawObject: ev.Object,
			UIDValidity: ev.UIDValidity, UID: ev.UID, Error: reason + "; stored unread for manual review",
			Attempts: max(delivery, cutShort+1), FailedAt: time.Now()}
		if err := w.store.RecordDeadLetter(ctx, dl); err != nil {
			return fmt.Errorf("handle %s: %w", ev.ID(), err)
		}
	}
	_, created, err := w.store.SaveMessage(ctx, m)
	if err != nil {
		return fmt.Errorf("handle %s: %w", ev.ID(), err)
	}
	switch {
	case created && quarantine:
		w.count(func(s *Stats) { s.Stored++; s.Quarantined++; s.DeadLetters++ })
	case created:
		w.count(func(s *Stats) { s.Stored++ })
		if w.opts.Stored != nil {
			w.opts.Stored()
		}
		w.log.Info("stored", "event", ev.ID(), "class", m.Class, "files", len(m.Attachments))
	default:
		w.count(func(s *Stats) { s.Duplicates++ })
	}
	return nil
}

// Reinspect reads a stored message's raw bytes again with the current
// parsers and returns its facts without storing them (shoubao reprocess).
// Its files go to the files bucket as on first reading.
func (w *Worker) Reinspect(ctx context.Context, ev bus.Event) (*sinks.Message, error) {
	node, err := w.inspect(ctx, ev, nil)
	if err != nil {
		return nil, fmt.Errorf("reinspect %s: %w", ev.ID(), err)
	}
	m, err := Record(ev, node)
	if err != nil {
		return nil, fmt.Errorf("reinspect %s: %w", ev.ID(), err)
	}
	return m, nil
}

// quarantine reads what is safe to read of a message that stopped the
// process before: its header and the names of its parts.
func (w *Worker) quarantine(ctx context.Context, ev bus.Event, att bus.Attempt) (*inspect.Node, error) {
	r, err := w.openRaw(ctx, ev)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	node, err := inspect.Quarantined(ctx, r, inspect.Options{TempDir: w.opts.TempDir, Limits: w.opts.Limits}, att.File)
	if err != nil {
		return nil, err
	}
	return node, nil
}

// inspect reads the raw message and inspects it. A parser that panics does
// not take the worker down: the message is recorded as unreadable, with
// its raw bytes kept, and the officer sees a finding.
func (w *Worker) inspect(ctx context.Context, ev bus.Event, att *bus.Attempt) (node *inspect.Node, err error) {
	r, err := w.openRaw(ctx, ev)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	opts := inspect.Options{TempDir: w.opts.TempDir, Limits: w.opts.Limits, Files: w.bus, FFprobe: w.opts.FFprobe,
		DownloadLinks: w.opts.DownloadLinks, Progress: func(name string) {
			if att != nil {
				if err := w.bus.NoteAttemptFile(ctx, *att, name); err != nil {
					w.log.Warn("worker: cannot note the file being read", "event", ev.ID(), "err", err)
				}
			}
			if w.opts.BeforeFile != nil {
				w.opts.BeforeFile(name)
			}
		}}
	defer func() {
		if p := recover(); p != nil {
			w.log.Error("worker: parser panic; storing the message as unreadable", "event", ev.ID(), "panic", p, "stack", string(debug.Stack()))
			node = &inspect.Node{Kind: "message", Size: ev.Size, SHA256: ev.SHA256,
				Message:  &inspect.MessageInfo{Class: "malformed"},
				Findings: []finding.Finding{finding.New("parser_crash", "邮件无法解析（程序内部错误），原始邮件已保存，请人工查看")}}
			err = nil
		}
	}()
	node, err = inspect.Message(ctx, r, opts)
	if err != nil {
		return nil, err
	}
	// A message over the size limit is read only in part; otherwise the
	// bytes read must be the bytes the poller stored.
	if ev.SHA256 != "" && node.Size == ev.Size && node.SHA256 != ev.SHA256 {
		return nil, fmt.Errorf("raw object %s: sha256 %s, event says %s", ev.Object, node.SHA256, ev.SHA256)
	}
	return node, nil
}

// openRaw reads the event's raw message: from the event when it carries
// it whole, else from the raw bucket. The bytes are checked against the
// event's SHA-256 after inspection either way.
func (w *Worker) openRaw(ctx context.Context, ev bus.Event) (io.ReadCloser, error) {
	if ev.Raw != nil && int64(len(ev.Raw)) == ev.Size {
		return io.NopCloser(bytes.NewReader(ev.Raw)), nil
	}
	return w.bus.OpenRaw(ctx, ev.Object)
}
