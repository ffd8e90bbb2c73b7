// Package sender sends the outgoing mail decided in the store's outbox
// (receipts, reminders, digests): it claims due jobs, composes each from
// the rules' judgment (a receipt's at the time of the message it answers),
// sends it from its contact mailbox,
// files it in the Sent folder, and records the outcome. Any number of
// senders may run against one store: a job is claimed by one of them, and
// a claim lapses when its sender goes silent.
//
// A job is sent at most once, except in one window: a sender that dies
// after the SMTP server accepted the mail and before the job was marked
// sent. With save_sent on, the next attempt first looks for the receipt's
// Message-ID in the Sent folder and, when it is there, marks the job sent
// without sending again; the window then shrinks to a crash between the
// SMTP acceptance and the Sent-folder filing. Without save_sent, the mail
// is sent again.
package sender

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/export"
	"github.com/shoubao/shoubao/pipeline/outmail"
	"github.com/shoubao/shoubao/pipeline/receipts"
	"github.com/shoubao/shoubao/pipeline/report"
	"github.com/shoubao/shoubao/pipeline/rules"
	"github.com/shoubao/shoubao/pipeline/schedule"
	"github.com/shoubao/shoubao/sinks"
)

// Store is what a sender needs from the store.
type Store interface {
	report.Source
	ClaimJobs(ctx context.Context, limit int, lease time.Duration) ([]sinks.Job, error)
	FinishJob(ctx context.Context, j sinks.Job) error
	RetryJob(ctx context.Context, j sinks.Job, next time.Time) error
	SentTo(ctx context.Context, recipient string, since time.Time) (int, error)
}

// Transport sends mail from a contact mailbox and files it in the
// mailbox's Sent folder.
type Transport interface {
	// Send sends raw from the mailbox to the recipients. An error wrapping
	// ErrPermanent means the server refused it for good (5xx); any other
	// error may pass (4xx, network) and is retried.
	Send(ctx context.Context, mailboxID string, to []string, raw []byte) error
	// SavesSent reports whether mail sent from the mailbox is filed in
	// its Sent folder.
	SavesSent(mailboxID string) bool
	SaveSent(ctx context.Context, mailboxID string, raw []byte, messageID string) error
	InSent(ctx context.Context, mailboxID, messageID string) (bool, error)
}

// ErrPermanent marks a refusal that retrying cannot mend.
var ErrPermanent = errors.New("refused by the mail server")

// Options tune a sender.
type Options struct {
	// Campaigns by id.
	Campaigns map[string]*campaign.Campaign
	// Interval between looks at the outbox when it is empty. Default 1s.
	Interval time.Duration
	// Lease is how long a claim lasts without an outcome unless its
	// sender extends it: with a store that can (Extender), claims are
	// kept alive every third of it while the sender works on them, so the
	// jobs of a sender that died come back within it. Default 30s (5m
	// for a store that cannot).
	Lease time.Duration
	// MaxAttempts before a job that keeps failing is failed. Default 8.
	MaxAttempts int
	// MinBackoff and MaxBackoff bound the delay between attempts (with
	// jitter). Defaults 30s and 1h.
	MinBackoff, MaxBackoff time.Duration
	// Now is the clock (tests); default time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Sender sends the outbox's jobs.
type Sender struct {
	store Store
	tr    Transport
	opts  Options
	log   *slog.Logger
	// wake is signalled when new jobs may be due (after a message is
	// stored), so that a receipt does not wait for the next interval.
	wake chan struct{}
}

// New returns a sender.
func New(store Store, tr Transport, opts Options) *Sender {
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if _, ok := store.(Extender); opts.Lease <= 0 && ok {
		opts.Lease = 30 * time.Second
	} else if opts.Lease <= 0 {
		opts.Lease = 5 * time.Minute
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 8
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 30 * time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Sender{store: store, tr: tr, opts: opts, log: opts.Logger, wake: make(chan struct{}, 1)}
}

// Wake tells the sender that jobs may be due now.
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run sends jobs as they become due until ctx is done.
func (s *Sender) Run(ctx context.Context) error {
	t := time.NewTicker(s.opts.Interval)
	defer t.Stop()
	for {
		if _, err := s.Drain(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("sender: outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-s.wake:
		}
	}
}

// Drain handles every job that is due now, and returns how many it
// handled.
func (s *Sender) Drain(ctx context.Context) (int, error) {
	n := 0
	// The jobs of a drain read each campaign's record once (again for a
	// receipt whose message was stored after the reading).
	rec := records{}
	for {
		jobs, err := s.store.ClaimJobs(ctx, 64, s.opts.Lease)
		if err != nil {
			return n, err
		}
		if len(jobs) == 0 {
			return n, nil
		}
		stop := s.keepClaimed(ctx, jobs)
		for _, j := range jobs {
			if err := s.handle(ctx, j, rec); err != nil {
				stop()
				return n, err
			}
			n++
		}
		stop()
	}
}

// Extender is a store that can keep claims alive (sqlstore).
type Extender interface {
	ExtendJobs(ctx context.Context, ids []int64, lease time.Duration) error
}

// keepClaimed extends the claim on jobs every third of the lease until
// stop is called, when the store can.
func (s *Sender) keepClaimed(ctx context.Context, jobs []sinks.Job) (stop func()) {
	ext, ok := s.store.(Extender)
	if !ok {
		return func() {}
	}
	ids := make([]int64, len(jobs))
	for i, j := range jobs {
		ids[i] = j.ID
	}
	kctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(s.opts.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-kctx.Done():
				return
			case <-t.C:
				if err := ext.ExtendJobs(kctx, ids, s.opts.Lease); err != nil && kctx.Err() == nil {
					s.log.Warn("sender: cannot extend the claim on jobs", "err", err)
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

// composed is a job's mail, ready to send.
type composed struct {
	subject, text, messageID string
	to                       []string
	raw                      []byte
}

// mode is the campaign's setting for a kind of job.
func mode(c *campaign.Campaign, kind string) string {
	switch kind {
	case receipts.Kind:
		return c.Receipts.Mode
	case schedule.KindDigest:
		return c.Digest.Mode
	case schedule.KindReminder:
		return c.Reminders.Mode
	}
	return ""
}

// handle brings one claimed job to an outcome, or back to the outbox.
func (s *Sender) handle(ctx context.Context, j sinks.Job, rec records) error {
	log := s.log.With("job", j.ID, "kind", j.Kind, "campaign", j.CampaignID, "attempt", j.Attempts)
	c := s.opts.Campaigns[j.CampaignID]
	if c == nil {
		j.Reason = "not configured in this process"
		return s.store.RetryJob(ctx, j, s.opts.Now().Add(s.opts.MaxBackoff))
	}
	m := mode(c, j.Kind)
	if m != "preview" && m != "send" {
		j.State, j.Reason = sinks.JobSkipped, receipts.ReasonOff
		return s.store.FinishJob(ctx, j)
	}
	r, err := s.compose(ctx, c, j, rec)
	if err != nil {
		j.Reason = err.Error()
		if j.Attempts >= s.opts.MaxAttempts {
			j.State = sinks.JobFailed
			return s.store.FinishJob(ctx, j)
		}
		return s.store.RetryJob(ctx, j, s.next(j.Attempts))
	}
	if r == nil {
		// A reminder to a unit that has become complete meanwhile.
		j.State, j.Reason = sinks.JobSkipped, "complete"
		return s.store.FinishJob(ctx, j)
	}
	j.Subject, j.Body, j.MessageID = r.subject, r.text, r.messageID
	if m == "preview" || len(r.to) == 0 {
		j.State = sinks.JobPreviewed
		return s.store.FinishJob(ctx, j)
	}
	if limit := c.Receipts.PerRecipientPerHour; limit > 0 && j.Kind != schedule.KindDigest {
		n, err := s.store.SentTo(ctx, j.Recipient, s.opts.Now().Add(-time.Hour))
		if err != nil {
			return err
		}
		if n >= limit {
			log.Warn("sender: per-recipient limit reached; not sending", "recipient", j.Recipient, "limit", limit)
			j.State, j.Reason = sinks.JobSkipped, fmt.Sprintf("%s: %d in the last hour", receipts.ReasonLimit, n)
			return s.store.FinishJob(ctx, j)
		}
	}
	if s.tr == nil {
		j.Reason = "this process sends no mail"
		return s.store.RetryJob(ctx, j, s.opts.Now().Add(s.opts.MaxBackoff))
	}
	saves := s.tr.SavesSent(j.MailboxID)
	if j.Attempts > 1 && saves {
		// An earlier attempt may have sent it and died before marking it.
		found, err := s.tr.InSent(ctx, j.MailboxID, r.messageID)
		switch {
		case err != nil:
			log.Warn("sender: cannot look in the Sent folder; sending again", "err", err)
		case found:
			j.State, j.Reason = sinks.JobSent, "found in the Sent folder after an interrupted attempt"
			return s.store.FinishJob(ctx, j)
		}
	}
	if err := s.tr.Send(ctx, j.MailboxID, r.to, r.raw); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		j.Reason = err.Error()
		switch {
		case errors.Is(err, ErrPermanent):
			log.Error("sender: refused by the mail server", "err", err)
			j.State = sinks.JobFailed
			return s.store.FinishJob(ctx, j)
		case j.Attempts >= s.opts.MaxAttempts:
			log.Error("sender: giving up after the last attempt", "err", err)
			j.State, j.Reason = sinks.JobFailed, fmt.Sprintf("after %d attempts: %v", j.Attempts, err)
			return s.store.FinishJob(ctx, j)
		}
		next := s.next(j.Attempts)
		log.Warn("sender: will retry", "err", err, "at", next)
		return s.store.RetryJob(ctx, j, next)
	}
	if saves {
		if err := s.tr.SaveSent(ctx, j.MailboxID, r.raw, r.messageID); err != nil {
			log.Warn("sender: sent, but could not file it in the Sent folder", "err", err)
		}
	}
	j.State, j.Reason = sinks.JobSent, ""
	log.Info("sender: sent", "to", j.Recipient)
	return s.store.FinishJob(ctx, j)
}

// compose writes a job's mail from the rules' judgment: a receipt from the
// state the campaign was in when the message it answers had arrived; a
// digest or a reminder from the state now. It returns nil for a reminder
// that is no longer due.
func (s *Sender) compose(ctx context.Context, c *campaign.Campaign, j sinks.Job, rec records) (*composed, error) {
	var mb campaign.Mailbox
	for _, m := range c.Mailboxes {
		if m.ID == j.MailboxID {
			mb = m
		}
	}
	if mb.Address == "" {
		return nil, fmt.Errorf("compose: mailbox %s is not in campaign %s", j.MailboxID, c.ID)
	}
	now := s.opts.Now()
	switch j.Kind {
	case receipts.Kind:
		return s.composeReceipt(ctx, c, j, mb, rec)
	case schedule.KindReminder:
		st, err := report.Compute(ctx, s.store, c, now)
		if err != nil {
			return nil, err
		}
		m, ok := schedule.Reminder(c, st, j, mb, now)
		if !ok {
			return nil, nil
		}
		return mailOf(m, now)
	case schedule.KindDigest:
		ex, err := export.Load(ctx, s.store, c, now)
		if err != nil {
			return nil, err
		}
		var table bytes.Buffer
		if err := export.WriteList(&table, ex); err != nil {
			return nil, err
		}
		st, err := report.Compute(ctx, s.store, c, now)
		if err != nil {
			return nil, err
		}
		return mailOf(schedule.Digest(c, st, j, mb, table.Bytes(), now), now)
	}
	return nil, fmt.Errorf("compose: unknown kind of job %q", j.Kind)
}

func mailOf(m *outmail.Mail, now time.Time) (*composed, error) {
	raw, err := m.Bytes(now)
	if err != nil {
		return nil, err
	}
	var to []string
	for _, a := range m.To {
		if a = strings.TrimSpace(a); a != "" {
			to = append(to, a)
		}
	}
	return &composed{subject: m.Subject, text: m.Text, messageID: m.MessageID, to: to, raw: raw}, nil
}

// records holds, for one drain, each campaign's messages and
// decisions as read from the store.
type records map[string]*record

type record struct {
	msgs      []rules.Message
	decisions []rules.Decision
	judged    *rules.Judgment
}

// judgment is the record judged under campaign c, once per batch.
func (r *record) judgment(c *campaign.Campaign) *rules.Judgment {
	if r.judged == nil {
		r.judged = rules.Prepare(c, r.msgs, r.decisions)
	}
	return r.judged
}

// get reads campaign c's record, once per drain.
func (rec records) get(ctx context.Context, st Store, c *campaign.Campaign) (*record, error) {
	if r := rec[c.ID]; r != nil {
		return r, nil
	}
	rows, err := st.Facts(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	stored, err := st.Decisions(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	r := &record{msgs: rules.FromStored(rows), decisions: report.Decisions(stored)}
	rec[c.ID] = r
	return r, nil
}

func (s *Sender) composeReceipt(ctx context.Context, c *campaign.Campaign, j sinks.Job, mb campaign.Mailbox, rec records) (*composed, error) {
	r0, err := rec.get(ctx, s.store, c)
	if err != nil {
		return nil, err
	}
	if !r0.judgment(c).Has(j.Key) {
		delete(rec, c.ID)
		if r0, err = rec.get(ctx, s.store, c); err != nil {
			return nil, err
		}
	}
	r, err := receipts.ComposeAsOf(c, r0.judgment(c), j.Key, mb, j.Recipient, s.opts.Now())
	if err != nil {
		return nil, err
	}
	return &composed{subject: r.Subject, text: r.Text, messageID: r.MessageID, to: []string{j.Recipient}, raw: r.Raw}, nil
}

// next is when attempt n+1 may start: exponential from MinBackoff, capped,
// with ±25% jitter so that retries after a provider's rate limit spread.
func (s *Sender) next(attempts int) time.Time {
	d := s.opts.MinBackoff
	for i := 1; i < attempts && d < s.opts.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, s.opts.MaxBackoff)
	d = time.Duration(float64(d) * (0.75 + rand.Float64()/2))
	return s.opts.Now().Add(d)
}
