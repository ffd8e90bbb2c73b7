package poller

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/sinks"
)

// How a sync moves many messages. One FETCH command asks for a batch of
// messages (batchMessages, or batchBytes by RFC822.SIZE); the reading
// goroutine reads each body into memory (up to bufferMax, and bufferBudget
// bytes in all) and hands it to one of handoffs goroutines that put it in
// the raw bucket, while it reads the next. A larger body is streamed
// straight into the raw bucket by the reading goroutine. One goroutine
// publishes the events in UID order, with up to ackWindow of them awaiting
// the server's acknowledgement (tracker.publishLoop). The checkpoint follows
// the messages stored in UID order without a gap, and is saved every
// saveEvery.
const (
	batchMessages = 256
	batchBytes    = 32 << 20
	bufferMax     = 1 << 20
	bufferBudget  = 16 << 20
	handoffs      = 16
	ackWindow     = 256
	saveEvery     = time.Second
)

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
			p.log.Warn("UIDVALIDITY changed: rescanning the folder; messages already stored are recognised by content and relocated",
				"old", cp.UIDValidity, "new", s.uidVal)
		}
		cp.UIDValidity, cp.LastUID = s.uidVal, 0
	}
	todo, err := s.newMessages(imap.UID(cp.LastUID))
	if err != nil {
		return err
	}
	if len(todo) > 0 {
		t, err := s.transfer(ctx, &cp, todo)
		if err != nil {
			return err
		}
		p.log.Info("synced", "published", t.counted.published, "relocated", t.counted.relocated, "last_uid", cp.LastUID)
	}
	cp.LastSync, cp.LastError, cp.LastErrorAt = time.Now(), "", time.Time{}
	if err := p.store.SaveCheckpoint(ctx, cp); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	p.mu.Lock()
	p.lastSync = cp.LastSync
	p.mu.Unlock()
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
	cmd := s.c.Fetch(set, &imap.FetchOptions{UID: true, RFC822Size: true, InternalDate: true})
	var out []pending
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		m, err := msg.Collect()
		if err != nil {
			_ = cmd.Close()
			return nil, fmt.Errorf("list new messages: %w", err)
		}
		// "last+1:*" always matches the highest UID, even when it is last.
		if m.UID > last {
			out = append(out, pending{seq: m.SeqNum, uid: m.UID, size: m.RFC822Size, date: m.InternalDate})
		}
	}
	if err := cmd.Close(); err != nil {
		return nil, fmt.Errorf("list new messages: %w", err)
	}
	slices.SortFunc(out, func(a, b pending) int { return int(a.uid) - int(b.uid) })
	return out, nil
}

// transfer hands off every message of todo (in UID order), advancing cp
// as they are acknowledged. Messages the store already holds in an older
// UIDVALIDITY epoch are relocated instead: their raw bytes are not put
// again and no event is published.
func (s *session) transfer(ctx context.Context, cp *sinks.Checkpoint, todo []pending) (*tracker, error) {
	p := s.p
	known, err := p.store.CopiesElsewhere(ctx, p.mb.ID, s.uidVal)
	if err != nil {
		return nil, fmt.Errorf("list stored copies: %w", err)
	}
	t := newTracker(s, cp, todo, known)
	published := make(chan struct{})
	go func() { defer close(published); t.publishLoop(ctx) }()
	jobs := make(chan job)
	var wg sync.WaitGroup
	for range min(handoffs, len(todo)) {
		wg.Go(func() {
			for j := range jobs {
				if t.skip(j.i) {
					t.budget.release(int64(len(j.body)))
					continue
				}
				if err := s.store(ctx, t, j); err != nil {
					t.failAt(j.i, err)
				}
			}
		})
	}
	var ferr error
	for lo := 0; lo < len(todo) && ferr == nil; {
		hi := lo
		for size := int64(0); hi < len(todo) && hi-lo < batchMessages && (hi == lo || size+todo[hi].size <= batchBytes); hi++ {
			size += todo[hi].size
		}
		ferr = s.fetchBatch(ctx, t, jobs, lo, hi)
		lo = hi
	}
	close(jobs)
	wg.Wait()
	t.close()
	<-published
	// Save the progress made even when the sync failed or is cancelled.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	serr := t.save(sctx)
	if ferr == nil {
		ferr = t.failed()
	}
	return t, errors.Join(ferr, serr)
}

// job is a message read into memory, for a handoff goroutine.
type job struct {
	i    int
	body []byte
}

// fetchBatch fetches todo[lo:hi] with one command and hands each message
// off as it is read.
//
// QUIRK: go-imap v2 (beta.8) silently drops a UID FETCH response whose UID
// item comes after the body literal (the response is matched to the command
// by UID before the UID has been read). Bodies are therefore fetched by
// sequence number, which is matched on arrival, and the UID in each
// response is checked against the expected one.
func (s *session) fetchBatch(ctx context.Context, t *tracker, jobs chan<- job, lo, hi int) error {
	var set imap.SeqSet
	bySeq := make(map[uint32]int, hi-lo)
	for i := lo; i < hi; i++ {
		set.AddNum(t.todo[i].seq)
		bySeq[t.todo[i].seq] = i
	}
	cmd := s.c.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
	got := 0
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		i, ok := bySeq[msg.SeqNum]
		if !ok {
			continue
		}
		delete(bySeq, msg.SeqNum)
		lit, err := s.readOne(ctx, t, jobs, i, msg)
		if lit != nil && lit.broken() {
			// QUIRK: once a literal's Read has failed (the connection
			// dropped or timed out mid-body), go-imap's reader goroutine
			// moves on, yet any further Next or Close re-reads the
			// unfinished literal from the same buffer: a data race in the
			// library. The command is abandoned and the connection closed.
			s.c.Close()
			return err
		}
		if err == nil {
			err = t.failed()
		}
		if err == nil {
			err = t.maybeSave(ctx)
		}
		if err != nil {
			_ = cmd.Close() // the rest of the batch, read to nowhere
			return err
		}
		got++
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	if got < hi-lo {
		return fmt.Errorf("fetch: the server returned %d of %d messages (expunged?); will resync", got, hi-lo)
	}
	return nil
}

// readOne reads message todo[i] from its FETCH response: a small body into
// memory for a handoff goroutine, a large one streamed into the raw bucket
// (or, when it may be a stored copy, into a temporary file while it is
// hashed). It returns the body's reader, which tells whether the literal
// was cut short.
func (s *session) readOne(ctx context.Context, t *tracker, jobs chan<- job, i int, msg *imapclient.FetchMessageData) (*exactReader, error) {
	m := t.todo[i]
	var (
		gotUID  imap.UID
		lit     *exactReader
		body    []byte
		spool   *spooled
		info    bus.RawInfo
		gotBody bool
	)
	defer func() { spool.remove() }()
	fail := func(err error) (*exactReader, error) {
		t.budget.release(int64(len(body)))
		return lit, fmt.Errorf("fetch uid %d: %w", m.uid, err)
	}
	for item := msg.Next(); item != nil; item = msg.Next() {
		switch it := item.(type) {
		case imapclient.FetchItemDataUID:
			gotUID = it.UID
		case imapclient.FetchItemDataBodySection:
			if gotBody || it.Literal == nil {
				continue
			}
			gotBody = true
			size := it.Literal.Size()
			lit = &exactReader{r: it.Literal, want: size}
			var err error
			switch {
			case size <= bufferMax:
				t.budget.acquire(size)
				body = make([]byte, size)
				_, err = io.ReadFull(lit, body)
			case t.maybeKnown(size):
				spool, err = spoolHashed(lit)
			default:
				info, err = s.p.pub.PutRaw(ctx, bus.ObjectName(s.p.mb.ID, s.uidVal, uint32(m.uid)), lit)
			}
			if err == nil && lit.broken() {
				err = lit.err
			}
			if err != nil {
				return fail(err)
			}
		}
	}
	switch {
	case !gotBody:
		return fail(errors.New("the response held no message body"))
	case gotUID != m.uid:
		// The folder changed under us (an expunge shifted sequence numbers).
		// Nothing is published; the next sync lists the folder again.
		return fail(fmt.Errorf("sequence number %d now holds uid %d; will resync", m.seq, gotUID))
	case body != nil:
		select {
		case jobs <- job{i: i, body: body}:
		case <-ctx.Done():
			return fail(ctx.Err())
		}
	case spool != nil && t.isKnown(spool.sum):
		t.relocate(i, spool.sum)
	case spool != nil:
		var err error
		if info, err = s.p.pub.PutRaw(ctx, bus.ObjectName(s.p.mb.ID, s.uidVal, uint32(m.uid)), spool); err != nil {
			return fail(err)
		}
		t.put(i, info, nil)
	default:
		t.put(i, info, nil)
	}
	return lit, nil
}

// bytesPutter is a Publisher that stores a message held in memory with
// fewer round trips than PutRaw (*bus.Bus).
type bytesPutter interface {
	PutRawBytes(ctx context.Context, name string, data []byte) (bus.RawInfo, error)
}

// store puts a message read into memory in the raw bucket, or relocates
// the stored copy with the same bytes. Its memory is released, or kept for
// its event when small (bus.InlineMax).
func (s *session) store(ctx context.Context, t *tracker, j job) error {
	m := t.todo[j.i]
	if t.hasKnown() {
		if sum := sha256.Sum256(j.body); t.isKnown(sum) {
			t.budget.release(int64(len(j.body)))
			t.relocate(j.i, sum)
			return nil
		}
	}
	name := bus.ObjectName(s.p.mb.ID, s.uidVal, uint32(m.uid))
	var info bus.RawInfo
	var err error
	if bp, ok := s.p.pub.(bytesPutter); ok && len(j.body) <= bus.PutRawBytesMax {
		info, err = bp.PutRawBytes(ctx, name, j.body)
	} else {
		info, err = s.p.pub.PutRaw(ctx, name, bytes.NewReader(j.body))
	}
	if err != nil || len(j.body) > bus.InlineMax {
		t.budget.release(int64(len(j.body)))
		j.body = nil
	}
	if err != nil {
		return fmt.Errorf("fetch uid %d: %w", m.uid, err)
	}
	t.put(j.i, info, j.body)
	return nil
}

// event is the event of message m, whose raw bytes are stored; body,
// when the caller has them in memory, goes in the event too if it is small
// enough (bus.InlineMax).
func (s *session) event(m pending, info bus.RawInfo, body []byte) bus.Event {
	p := s.p
	if m.size > 0 && info.Size != m.size {
		p.log.Warn("message size differs from RFC822.SIZE", "uid", m.uid, "rfc822_size", m.size, "fetched", info.Size)
	}
	ev := bus.Event{
		CampaignID: p.mb.CampaignID, MailboxID: p.mb.ID, UIDValidity: s.uidVal, UID: uint32(m.uid),
		InternalDate: m.date, Object: bus.ObjectName(p.mb.ID, s.uidVal, uint32(m.uid)), Size: info.Size, SHA256: info.SHA256,
	}
	if body != nil && len(body) <= bus.InlineMax && int64(len(body)) == info.Size {
		ev.Raw = body
	}
	return ev
}

// asyncPublisher is a Publisher that can publish an event and wait for
// its acknowledgement later (*bus.Bus).
type asyncPublisher interface {
	PublishAsync(ev bus.Event) (wait func(ctx context.Context) (duplicate bool, err error), err error)
}

// published counts an acknowledged event.
func (s *session) published(ev bus.Event, dup bool) {
	p := s.p
	p.mu.Lock()
	p.published++
	p.mu.Unlock()
	p.log.Debug("published", "uid", ev.UID, "size", ev.Size, "duplicate", dup)
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
