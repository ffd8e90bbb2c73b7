package poller_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/pipeline/bus/bustest"
	"github.com/shoubao/shoubao/pipeline/poller"
	"github.com/shoubao/shoubao/pipeline/poller/imaptest"
	"github.com/shoubao/shoubao/sinks"
	"github.com/shoubao/shoubao/sinks/sqlstore"
)

// servers runs each test against the in-memory server and a real Dovecot.
var servers = []struct {
	name  string
	start func(testing.TB) *imaptest.Server
}{
	{"imapmem", imaptest.Mem},
	{"dovecot", imaptest.Dovecot},
}

type bundle struct {
	srv   *imaptest.Server
	store *sqlstore.Store
	bus   *bus.Bus
	cons  jetstream.Consumer
}

func setup(t *testing.T, srv *imaptest.Server) *bundle {
	t.Helper()
	store, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(store.Close)
	b := bustest.Embedded(t)
	cons, err := b.WorkerConsumer(context.Background(), bus.ConsumerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return &bundle{srv: srv, store: store, bus: b, cons: cons}
}

func (b *bundle) mailbox(addr, folder string) poller.Mailbox {
	host, port := b.srv.Host(), b.srv.Port()
	if addr != "" {
		p := &imaptest.Server{Addr: addr}
		host, port = p.Host(), p.Port()
	}
	return poller.Mailbox{ID: "c1/unit@163.com", CampaignID: "c1", Address: "unit@163.com",
		Host: host, Port: port, TLS: "none", User: b.srv.User, Password: b.srv.Password, Folder: folder}
}

func (b *bundle) poller(mb poller.Mailbox, opts poller.Options) *poller.Poller {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return poller.New(mb, b.store, b.bus, opts)
}

// drain acknowledges and returns every event published so far.
func (b *bundle) drain(t *testing.T) []bus.Event {
	t.Helper()
	var out []bus.Event
	for {
		batch, err := b.cons.FetchNoWait(100)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for m := range batch.Messages() {
			var e bus.Event
			if err := json.Unmarshal(m.Data(), &e); err != nil {
				t.Fatal(err)
			}
			out = append(out, e)
			_ = m.DoubleAck(context.Background())
			n++
		}
		if n == 0 {
			return out
		}
	}
}

func (b *bundle) raw(t *testing.T, name string) []byte {
	t.Helper()
	r, err := b.bus.OpenRaw(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func message(i int, size int) []byte {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "From: unit%d@163.com\r\nTo: unit@163.com\r\nSubject: =?GBK?B?sai/qg==?= %d\r\nMessage-ID: <m%d@163.com>\r\nDate: Mon, 1 Jun 2026 10:00:00 +0800\r\n\r\n", i, i, i)
	line := strings.Repeat("x", 76) + "\r\n"
	for buf.Len() < size {
		buf.WriteString(line)
	}
	return buf.Bytes()
}

func TestSyncIncremental(t *testing.T) {
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, s.start(t))
			ctx := context.Background()
			received := time.Date(2026, 6, 8, 15, 59, 0, 0, time.UTC)
			var sent [][]byte
			for i := 1; i <= 3; i++ {
				m := message(i, 300*i)
				sent = append(sent, m)
				b.srv.Append(t, "INBOX", m, received.Add(time.Duration(i)*time.Minute))
			}
			p := b.poller(b.mailbox("", "INBOX"), poller.Options{})
			if n, err := p.SyncOnce(ctx); err != nil || n != 3 {
				t.Fatalf("first sync published %d, err %v; want 3", n, err)
			}
			evs := b.drain(t)
			if len(evs) != 3 {
				t.Fatalf("got %d events, want 3", len(evs))
			}
			for i, ev := range evs {
				if got := b.raw(t, ev.Object); !bytes.Equal(got, sent[i]) {
					t.Errorf("event %d: raw bytes differ (%d vs %d bytes)", i, len(got), len(sent[i]))
				}
				if ev.Size != int64(len(sent[i])) || len(ev.SHA256) != 64 || ev.CampaignID != "c1" || ev.MailboxID != "c1/unit@163.com" {
					t.Errorf("event %d: %+v", i, ev)
				}
				if want := received.Add(time.Duration(i+1) * time.Minute); !ev.InternalDate.Equal(want) {
					t.Errorf("event %d: internal date %v, want %v", i, ev.InternalDate, want)
				}
			}
			cp, err := b.store.LoadCheckpoint(ctx, "c1/unit@163.com")
			if err != nil || cp.LastUID != uint32(evs[2].UID) || cp.UIDValidity == 0 || cp.LastSync.IsZero() || cp.LastError != "" {
				t.Fatalf("checkpoint after sync: %+v, %v", cp, err)
			}
			// Nothing new: nothing published.
			if n, err := p.SyncOnce(ctx); err != nil || n != 0 {
				t.Fatalf("second sync published %d, err %v; want 0", n, err)
			}
			// One new message: only it.
			b.srv.Append(t, "INBOX", message(4, 100), received)
			if n, err := p.SyncOnce(ctx); err != nil || n != 1 {
				t.Fatalf("third sync published %d, err %v; want 1", n, err)
			}
			if evs := b.drain(t); len(evs) != 1 || !bytes.Equal(b.raw(t, evs[0].Object), message(4, 100)) {
				t.Fatalf("third sync events: %+v", evs)
			}
			// The mailbox is untouched: no \Seen flag set by fetching.
			for uid, flags := range b.srv.Flags(t, "INBOX") {
				if slices.Contains(flags, imap.FlagSeen) {
					t.Errorf("uid %d was marked \\Seen by the poller", uid)
				}
			}
		})
	}
}

// TestUIDValidityChange recreates the folder: the poller notices the new
// UIDVALIDITY, rescans from the start and records the new epoch.
func TestUIDValidityChange(t *testing.T) {
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, s.start(t))
			ctx := context.Background()
			b.srv.CreateFolder(t, "Reports")
			for i := 1; i <= 2; i++ {
				b.srv.Append(t, "Reports", message(i, 200), time.Now())
			}
			p := b.poller(b.mailbox("", "Reports"), poller.Options{})
			if n, err := p.SyncOnce(ctx); err != nil || n != 2 {
				t.Fatalf("sync: %d, %v", n, err)
			}
			first := b.drain(t)
			_, newVal := b.srv.Recreate(t, "Reports")
			for i := 1; i <= 3; i++ { // the same two messages again, and one more
				b.srv.Append(t, "Reports", message(i, 200), time.Now())
			}
			if n, err := p.SyncOnce(ctx); err != nil || n != 3 {
				t.Fatalf("sync after UIDVALIDITY change: %d, %v; want 3", n, err)
			}
			second := b.drain(t)
			cp, _ := b.store.LoadCheckpoint(ctx, "c1/unit@163.com")
			if cp.UIDValidity != newVal || cp.LastUID != second[2].UID {
				t.Fatalf("checkpoint %+v, want uidvalidity %d", cp, newVal)
			}
			// Same bytes, same hash: the workers store them once.
			if first[0].SHA256 != second[0].SHA256 || first[0].ID() == second[0].ID() {
				t.Fatalf("rescanned message: sha %s vs %s, id %s vs %s", first[0].SHA256, second[0].SHA256, first[0].ID(), second[0].ID())
			}
		})
	}
}

// TestUnsafeLogin puts the 163.com behaviour in front of the server: SELECT
// is refused until the client identifies itself with ID.
func TestUnsafeLogin(t *testing.T) {
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, s.start(t))
			b.srv.Append(t, "INBOX", message(1, 100), time.Now())
			addr, _ := imaptest.Proxy(t, b.srv.Addr, imaptest.Quirks{RequireID: true})
			// A client that does not send ID is refused: the quirk is real.
			plain := &imaptest.Server{Addr: addr, User: b.srv.User, Password: b.srv.Password}
			c := plain.Client(t)
			_, err := c.Select("INBOX", nil).Wait()
			c.Close()
			if err == nil || !strings.Contains(err.Error(), "Unsafe Login") {
				t.Fatalf("SELECT without ID: err = %v, want Unsafe Login", err)
			}
			p := b.poller(b.mailbox(addr, "INBOX"), poller.Options{})
			if n, err := p.SyncOnce(context.Background()); err != nil || n != 1 {
				t.Fatalf("poller behind the 163 quirk: %d, %v", n, err)
			}
		})
	}
}

// TestUIDAfterLiteral: the server sends the UID after the body literal. A
// plain UID FETCH through go-imap returns nothing; the poller still gets
// every message.
func TestUIDAfterLiteral(t *testing.T) {
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, s.start(t))
			for i := 1; i <= 3; i++ {
				b.srv.Append(t, "INBOX", message(i, 500), time.Now())
			}
			addr, _ := imaptest.Proxy(t, b.srv.Addr, imaptest.Quirks{UIDAfterLiteral: true})
			plain := &imaptest.Server{Addr: addr, User: b.srv.User, Password: b.srv.Password}
			c := plain.Client(t)
			if _, err := c.Select("INBOX", nil).Wait(); err != nil {
				t.Fatal(err)
			}
			msgs, _ := c.Fetch(imap.UIDSet{imap.UIDRange{Start: 1, Stop: 0}}, &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
			c.Close()
			if len(msgs) != 0 {
				// Proves the proxy reproduces the reordering the client mishandles.
				t.Fatalf("plain UID FETCH through the reordering proxy returned %d messages; the quirk is not reproduced", len(msgs))
			}
			p := b.poller(b.mailbox(addr, "INBOX"), poller.Options{})
			if n, err := p.SyncOnce(context.Background()); err != nil || n != 3 {
				t.Fatalf("poller with UID after literal: %d, %v; want 3", n, err)
			}
			for i, ev := range b.drain(t) {
				if got := b.raw(t, ev.Object); !bytes.Equal(got, message(i+1, 500)) {
					t.Errorf("message %d: wrong bytes", i+1)
				}
			}
		})
	}
}

// TestDropMidFetch cuts the connection in the middle of a message, one
// read into memory and one streamed into the raw bucket (over the
// poller's in-memory limit): nothing is published for it, the checkpoint
// does not pass it, and the next sync publishes it exactly once.
func TestDropMidFetch(t *testing.T) {
	for _, s := range servers {
		for _, size := range []int{200_000, 1_300_000} {
			t.Run(fmt.Sprintf("%s/%d", s.name, size), func(t *testing.T) {
				t.Parallel()
				b := setup(t, s.start(t))
				ctx := context.Background()
				sizes := []int{100, size, 100}
				for i, n := range sizes {
					b.srv.Append(t, "INBOX", message(i+1, n), time.Now())
				}
				addr, dropped := imaptest.Proxy(t, b.srv.Addr, imaptest.Quirks{DropMidLiteral: 50_000})
				p := b.poller(b.mailbox(addr, "INBOX"), poller.Options{})
				n, err := p.SyncOnce(ctx)
				if err == nil || dropped.Load() != 1 || n != 1 {
					t.Fatalf("sync through a dropping proxy: published %d, err %v, dropped %d; want 1, an error, 1", n, err, dropped.Load())
				}
				// go-imap ends a cut literal with a plain io.EOF; the poller
				// must notice the missing bytes itself.
				if !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Errorf("the cut is not reported as a short body: %v", err)
				}
				cp, _ := b.store.LoadCheckpoint(ctx, "c1/unit@163.com")
				if cp.LastError == "" || cp.LastErrorAt.IsZero() || cp.LastUID != 1 {
					t.Errorf("the checkpoint does not stop before the cut message with the failure: %+v", cp)
				}
				if n, err := p.SyncOnce(ctx); err != nil || n != 2 {
					t.Fatalf("retry: published %d, err %v; want 2", n, err)
				}
				evs := b.drain(t)
				if len(evs) != 3 {
					t.Fatalf("%d events, want each of the 3 messages once", len(evs))
				}
				for i, ev := range evs {
					if !bytes.Equal(b.raw(t, ev.Object), message(i+1, sizes[i])) {
						t.Errorf("message %d: wrong bytes after retry", i+1)
					}
				}
				cp, _ = b.store.LoadCheckpoint(ctx, "c1/unit@163.com")
				if cp.LastError != "" {
					t.Errorf("error not cleared after a good sync: %+v", cp)
				}
			})
		}
	}
}

// TestRunIdle runs the long-lived loop: a message appended later is picked
// up through IDLE well before the poll interval.
func TestRunIdle(t *testing.T) {
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, s.start(t))
			ctx, cancel := context.WithCancel(context.Background())
			p := b.poller(b.mailbox("", "INBOX"), poller.Options{Interval: time.Hour})
			done := make(chan error, 1)
			go func() { done <- p.Run(ctx) }()
			waitFor(t, 10*time.Second, func() bool {
				cp, err := b.store.LoadCheckpoint(ctx, "c1/unit@163.com")
				return err == nil && !cp.LastSync.IsZero()
			})
			b.srv.Append(t, "INBOX", message(1, 100), time.Now())
			waitFor(t, 10*time.Second, func() bool { return p.Published() == 1 })
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("Run returned %v after cancel", err)
			}
		})
	}
}

// TestRunReconnects starts the loop against a server that is not there yet:
// the error is recorded, and the poller connects once the server is up.
func TestRunReconnects(t *testing.T) {
	b := setup(t, imaptest.Mem(t))
	b.srv.Append(t, "INBOX", message(1, 100), time.Now())
	// A proxy that first refuses: its upstream is a closed port.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mb := b.mailbox("127.0.0.1:1", "INBOX")
	p := b.poller(mb, poller.Options{MinBackoff: 20 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, Interval: time.Hour})
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	waitFor(t, 5*time.Second, func() bool {
		cp, err := b.store.LoadCheckpoint(ctx, "c1/unit@163.com")
		return err == nil && strings.Contains(cp.LastError, "dial")
	})
	cancel()
	<-done
	// Same poller identity, now pointed at the real server.
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	p2 := b.poller(b.mailbox("", "INBOX"), poller.Options{Interval: time.Hour})
	go func() { _ = p2.Run(ctx2) }()
	waitFor(t, 10*time.Second, func() bool { return p2.Published() == 1 })
}

// TestPostProcess checks that the mailbox is changed only for messages the
// store holds, and only as configured.
func TestPostProcess(t *testing.T) {
	for _, s := range servers {
		for _, action := range []string{poller.ActionSeen, poller.ActionKeyword, poller.ActionMove} {
			t.Run(s.name+"/"+action, func(t *testing.T) {
				t.Parallel()
				b := setup(t, s.start(t))
				ctx := context.Background()
				b.srv.CreateFolder(t, "Done")
				for i := 1; i <= 3; i++ {
					b.srv.Append(t, "INBOX", message(i, 100), time.Now())
				}
				p := b.poller(b.mailbox("", "INBOX"), poller.Options{PostProcess: action, Keyword: "shoubao_stored", MoveTo: "Done"})
				if _, err := p.SyncOnce(ctx); err != nil {
					t.Fatal(err)
				}
				evs := b.drain(t)
				// The workers stored messages 1 and 2, not 3.
				for _, ev := range evs[:2] {
					if _, _, err := b.store.SaveMessage(ctx, &sinks.Message{CampaignID: "c1", MailboxID: ev.MailboxID,
						UIDValidity: ev.UIDValidity, UID: ev.UID, RawObject: ev.Object, RawSHA256: ev.SHA256,
						InternalDate: ev.InternalDate, Class: "submission"}); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := p.SyncOnce(ctx); err != nil {
					t.Fatal(err)
				}
				flags := b.srv.Flags(t, "INBOX")
				switch action {
				case poller.ActionMove:
					if got := b.srv.Count(t, "INBOX"); got != 1 {
						t.Errorf("INBOX holds %d messages after move, want 1", got)
					}
					if got := b.srv.Count(t, "Done"); got != 2 {
						t.Errorf("Done holds %d messages, want 2", got)
					}
				default:
					want := imap.FlagSeen
					if action == poller.ActionKeyword {
						want = "shoubao_stored"
					}
					for _, ev := range evs {
						has := slices.Contains(flags[imap.UID(ev.UID)], want)
						if has != (ev.UID != evs[2].UID) {
							t.Errorf("uid %d: has %s = %v (flags %v)", ev.UID, want, has, flags[imap.UID(ev.UID)])
						}
					}
				}
				if items, _ := b.store.PendingPostProcess(ctx, "c1/unit@163.com", 10); len(items) != 0 {
					t.Errorf("still pending after post-process: %+v", items)
				}
			})
		}
	}
}

func waitFor(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestMain(m *testing.M) {
	os.Exit(m.Run())
}

// TestWatchdogReportsStale: a poller that cannot sync is reported at error
// level once it has been stale for longer than StaleAfter.
func TestWatchdogReportsStale(t *testing.T) {
	b := setup(t, imaptest.Mem(t))
	var logs syncBuffer
	p := b.poller(b.mailbox("127.0.0.1:1", "INBOX"), poller.Options{StaleAfter: 50 * time.Millisecond,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelError}))})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = p.Run(ctx); close(done) }()
	waitFor(t, 5*time.Second, func() bool { return strings.Contains(logs.String(), "MAILBOX IS STALE") })
	cancel()
	<-done
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
