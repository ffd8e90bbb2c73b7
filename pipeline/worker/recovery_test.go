package worker_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/worker"
	"github.com/shoubao/shoubao/sinks"
	"github.com/shoubao/shoubao/sinks/sqlstore"
)

// freePort returns a loopback port nobody listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestNATSRestartInFlight: the NATS server is killed (SIGKILL) while a
// worker is reading a message and started again; the event in flight is
// stored within seconds of the server's return, with no restart of the
// worker, and stored once. The worker goes on reading either after the
// server is back or while it is down for longer than the bus's request
// timeout (its requests then fail, and the event is kept and tried again).
func TestNATSRestartInFlight(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name       string
		outage     time.Duration
		readDuring bool
	}{
		{"reading resumes after the restart", time.Second, false},
		{"reading goes on during a long outage", bus.RequestTimeout + 3*time.Second, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			natsRestartInFlight(t, tt.outage, tt.readDuring)
		})
	}
}

func natsRestartInFlight(t *testing.T, outage time.Duration, readDuring bool) {
	b := setup(t) // the store; the embedded bus of setup is not used
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	quietLog := slog.New(slog.NewTextHandler(io.Discard, nil))
	const ackWait = 4 * time.Second
	ns := startOwnNATS(ctx, t, ackWait)
	nb, cons := ns.bus, ns.cons
	inFlight, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	w := worker.New(b.store, nb, worker.Options{Campaigns: map[string]*config.Campaign{"c1": {ID: "c1"}}, TempDir: t.TempDir(),
		AckWait: ackWait, Logger: quietLog, BeforeFile: func(string) {
			once.Do(func() { close(inFlight); <-release })
		}})
	wctx, wstop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = w.Run(wctx, cons, 2); close(done) }()
	defer func() { wstop(); <-done }()

	name := bus.ObjectName("c1/a@163.com", 1, 1)
	info, err := nb.PutRaw(ctx, name, bytes.NewReader(fixture(t)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nb.Publish(ctx, bus.Event{CampaignID: "c1", MailboxID: "c1/a@163.com", UIDValidity: 1, UID: 1, Object: name,
		Size: info.Size, SHA256: info.SHA256, InternalDate: time.Now()}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-inFlight:
	case <-ctx.Done():
		t.Fatal("the event never reached the worker")
	}
	ns.kill()
	if readDuring {
		close(release)
	}
	time.Sleep(outage)
	ns.start()
	back := time.Now()
	if !readDuring {
		close(release)
	}
	for len(b.messages(t)) == 0 {
		if time.Since(back) > 60*time.Second {
			t.Fatalf("the event in flight was not stored within 60 s of NATS's return (stats %+v)", w.Stats())
		}
		time.Sleep(50 * time.Millisecond)
	}
	took := time.Since(back)
	t.Logf("the event in flight was stored %s after NATS came back", took.Round(10*time.Millisecond))
	if took > 10*time.Second {
		t.Errorf("stored %s after NATS came back, want within seconds", took)
	}
	// Settled: acknowledged, stored once, no dead letter.
	for n, err := nb.Backlog(ctx); n != 0; n, err = nb.Backlog(ctx) {
		if time.Since(back) > 60*time.Second {
			t.Fatalf("backlog %d (%v) a minute after NATS came back", n, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := len(b.messages(t)); n != 1 {
		t.Errorf("%d messages stored, want 1", n)
	}
	if dls, _ := b.store.DeadLetters(ctx); len(dls) != 0 {
		t.Errorf("dead letters: %+v", dls)
	}
}

// TestNATSRestartMidStream: the server is killed and started again while
// the workers go through a backlog; every event is stored, once, without
// restarting the workers.
func TestNATSRestartMidStream(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	quietLog := slog.New(slog.NewTextHandler(io.Discard, nil))
	const ackWait = 4 * time.Second
	ns := startOwnNATS(ctx, t, ackWait)
	nb, cons := ns.bus, ns.cons
	const n = 150
	for uid := uint32(1); uid <= n; uid++ {
		name := bus.ObjectName("c1/a@163.com", 1, uid)
		raw := bytes.Replace(fixture(t), []byte("Message-ID: <"), []byte(fmt.Sprintf("Message-ID: <n%d.", uid)), 1)
		info, err := nb.PutRaw(ctx, name, bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := nb.Publish(ctx, bus.Event{CampaignID: "c1", MailboxID: "c1/a@163.com", UIDValidity: 1, UID: uid, Object: name,
			Size: info.Size, SHA256: info.SHA256, InternalDate: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	w := worker.New(b.store, nb, worker.Options{Campaigns: map[string]*config.Campaign{"c1": {ID: "c1"}}, TempDir: t.TempDir(),
		AckWait: ackWait, Logger: quietLog})
	wctx, wstop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = w.Run(wctx, cons, 2); close(done) }()
	defer func() { wstop(); <-done }()
	for len(b.messages(t)) < 30 {
		time.Sleep(10 * time.Millisecond)
	}
	ns.kill()
	time.Sleep(2 * time.Second)
	ns.start()
	back := time.Now()
	for len(b.messages(t)) < n {
		if time.Since(back) > 60*time.Second {
			t.Fatalf("%d of %d stored 60 s after NATS came back (stats %+v)", len(b.messages(t)), n, w.Stats())
		}
		time.Sleep(50 * time.Millisecond)
	}
	took := time.Since(back)
	t.Logf("all %d stored %s after NATS came back; stats %+v", n, took.Round(10*time.Millisecond), w.Stats())
	if took > 30*time.Second {
		t.Errorf("the workers took %s to go through the rest after NATS came back", took)
	}
	if dls, _ := b.store.DeadLetters(ctx); len(dls) != 0 {
		t.Errorf("dead letters: %+v", dls)
	}
}

// downStore answers sinks.ErrUnavailable while down, as sqlstore does when
// PostgreSQL is stopped or restarting; deadDown fails dead-letter records
// alone.
type downStore struct {
	*sqlstore.Store
	down, deadDown atomic.Bool
	tries          atomic.Int32
}

func (d *downStore) HasMessage(ctx context.Context, mailboxID, sha string) (bool, error) {
	d.tries.Add(1)
	if d.down.Load() {
		return false, fmt.Errorf("has message: %w: connection refused", sinks.ErrUnavailable)
	}
	return d.Store.HasMessage(ctx, mailboxID, sha)
}

func (d *downStore) RecordDeadLetter(ctx context.Context, dl sinks.DeadLetter) error {
	if d.down.Load() || d.deadDown.Load() {
		return fmt.Errorf("record dead letter: %w: connection refused", sinks.ErrUnavailable)
	}
	return d.Store.RecordDeadLetter(ctx, dl)
}

// runDown runs two workers on store with the default retry delays.
func runDown(t *testing.T, b *bundle, store *downStore, campaign string) (*worker.Worker, jetstream.Consumer) {
	t.Helper()
	cons, err := b.bus.WorkerConsumer(context.Background(), bus.ConsumerOptions{AckWait: worker.DefaultAckWait})
	if err != nil {
		t.Fatal(err)
	}
	w := worker.New(store, b.bus, worker.Options{Campaigns: map[string]*config.Campaign{campaign: {ID: campaign}},
		TempDir: t.TempDir(), MaxDeliver: 2, MinBackoff: 10 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = w.Run(ctx, cons, 2); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return w, cons
}

// TestStoreUnavailableKeepsEvent: while the store is unavailable the event
// is kept and tried again in place, costing none of its attempts (no
// redelivery, no dead letter however long the outage); it is stored within
// the retry delay (5 s) of the store's return.
func TestStoreUnavailableKeepsEvent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	store := &downStore{Store: b.store.Store}
	store.down.Store(true)
	w, cons := runDown(t, b, store, "c1")
	b.publish(t, 1, fixture(t))
	// MaxDeliver is 2: an outage that counted would have made a dead
	// letter by the third try.
	waitFor(t, "several tries during the outage", func() bool { return store.tries.Load() >= 4 })
	ctx := context.Background()
	info, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s := w.Stats(); s.DeadLetters != 0 || s.Retried != 0 || info.NumRedelivered != 0 || info.NumAckPending != 1 {
		t.Fatalf("during the outage: stats %+v, redelivered %d, pending %d; want the event held, no retry counted",
			s, info.NumRedelivered, info.NumAckPending)
	}
	store.down.Store(false)
	back := time.Now()
	waitFor(t, "stored after the outage", func() bool { return w.Stats().Stored == 1 && b.backlog(t) == 0 })
	took := time.Since(back)
	t.Logf("stored %s after the store came back (%d tries during the outage)", took.Round(10*time.Millisecond), store.tries.Load()-1)
	if took > 7*time.Second {
		t.Errorf("stored %s after the store came back, want within the 5 s retry delay", took)
	}
	if dls, _ := b.store.DeadLetters(ctx); len(dls) != 0 || len(b.messages(t)) != 1 {
		t.Fatalf("dead letters %+v, %d messages; want none and 1", dls, len(b.messages(t)))
	}
}

// TestDeadLetterAfterStoreReturns: a message that keeps failing for a
// reason of its own (here a campaign this process does not know) while the
// dead letter cannot be written: the event is kept and the dead letter
// recorded within seconds of the store's return, not after MaxBackoff.
func TestDeadLetterAfterStoreReturns(t *testing.T) {
	t.Parallel()
	b := setup(t)
	store := &downStore{Store: b.store.Store}
	store.deadDown.Store(true)
	w, _ := runDown(t, b, store, "other")
	b.publish(t, 1, fixture(t))
	waitFor(t, "the attempts spent", func() bool { return w.Stats().Retried >= 1 && store.tries.Load() >= 3 })
	if w.Stats().DeadLetters != 0 || b.backlog(t) != 1 {
		t.Fatalf("dead letters %d, backlog %d: want the event kept", w.Stats().DeadLetters, b.backlog(t))
	}
	store.deadDown.Store(false)
	back := time.Now()
	waitFor(t, "dead letter", func() bool { return w.Stats().DeadLetters == 1 && b.backlog(t) == 0 })
	took := time.Since(back)
	t.Logf("dead letter recorded %s after the store came back", took.Round(10*time.Millisecond))
	if took > 7*time.Second {
		t.Errorf("dead letter recorded %s after the store came back, want within seconds", took)
	}
	if dls, _ := b.store.DeadLetters(context.Background()); len(dls) != 1 {
		t.Fatalf("dead letters %+v", dls)
	}
}
