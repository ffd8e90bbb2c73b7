package worker_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/pipeline/bus/bustest"
	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/worker"
	"github.com/shoubao/shoubao/sinks"
	"github.com/shoubao/shoubao/sinks/sqlstore"
)

// flakyStore fails on demand, like a database that goes away.
type flakyStore struct {
	*sqlstore.Store
	failSaves atomic.Int32 // fail this many SaveMessage calls; -1: all
	failDead  atomic.Bool
	saves     atomic.Int32
}

var errDown = errors.New("connection refused (store down)")

func (f *flakyStore) SaveMessage(ctx context.Context, m *sinks.Message) (int64, bool, error) {
	f.saves.Add(1)
	if n := f.failSaves.Load(); n != 0 {
		if n > 0 {
			f.failSaves.Add(-1)
		}
		return 0, false, errDown
	}
	return f.Store.SaveMessage(ctx, m)
}

func (f *flakyStore) RecordDeadLetter(ctx context.Context, d sinks.DeadLetter) error {
	if f.failDead.Load() {
		return errDown
	}
	return f.Store.RecordDeadLetter(ctx, d)
}

type bundle struct {
	store *flakyStore
	bus   *bus.Bus
	// ackWait is the worker consumer's AckWait (default the bus's).
	ackWait time.Duration
}

func setup(t *testing.T) *bundle {
	t.Helper()
	s, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return &bundle{store: &flakyStore{Store: s}, bus: bustest.Embedded(t)}
}

func (b *bundle) run(t *testing.T, maxDeliver int) (*worker.Worker, context.CancelFunc) {
	t.Helper()
	cons, err := b.bus.WorkerConsumer(context.Background(), bus.ConsumerOptions{AckWait: b.ackWait})
	if err != nil {
		t.Fatal(err)
	}
	c := &config.Campaign{ID: "c1", Units: []config.Unit{{Name: "陵川县发展改革和科技局", Aliases: []string{"陵川县科技局"}}}}
	w := worker.New(b.store, b.bus, worker.Options{
		Campaigns: map[string]*config.Campaign{"c1": c}, TempDir: t.TempDir(), MaxDeliver: maxDeliver,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = w.Run(ctx, cons, 2); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return w, cancel
}

// publish puts a fixture message in the raw bucket and announces it.
func (b *bundle) publish(t *testing.T, uid uint32, raw []byte) bus.Event {
	t.Helper()
	ctx := context.Background()
	name := bus.ObjectName("c1/a@163.com", 1, uid)
	info, err := b.bus.PutRaw(ctx, name, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	ev := bus.Event{CampaignID: "c1", MailboxID: "c1/a@163.com", UIDValidity: 1, UID: uid, Object: name,
		Size: info.Size, SHA256: info.SHA256, InternalDate: time.Now()}
	if _, err := b.bus.Publish(ctx, ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func fixture(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile("../../parsers/mail/testdata/rfc2231_gbk.eml")
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (b *bundle) messages(t *testing.T) []sinks.Message {
	t.Helper()
	m, err := b.store.Messages(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (b *bundle) backlog(t *testing.T) uint64 {
	t.Helper()
	n, err := b.bus.Backlog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestStoresOnce(t *testing.T) {
	b := setup(t)
	w, _ := b.run(t, 5)
	ev := b.publish(t, 1, fixture(t))
	waitFor(t, "stored", func() bool { return w.Stats().Stored == 1 && b.backlog(t) == 0 })
	m := b.messages(t)
	if len(m) != 1 || m[0].Unit != "" || m[0].Late || m[0].RawSHA256 != ev.SHA256 || len(m[0].Attachments) != 2 {
		t.Fatalf("stored %+v", m)
	}
}

func TestTransientFailureRetries(t *testing.T) {
	b := setup(t)
	b.store.failSaves.Store(2)
	w, _ := b.run(t, 5)
	b.publish(t, 1, fixture(t))
	waitFor(t, "stored after two failures", func() bool { return w.Stats().Stored == 1 && b.backlog(t) == 0 })
	if got := w.Stats().Retried; got != 2 {
		t.Errorf("retried %d times, want 2", got)
	}
	if n := len(b.messages(t)); n != 1 {
		t.Fatalf("%d messages stored, want 1", n)
	}
}

func TestDeadLetter(t *testing.T) {
	b := setup(t)
	b.store.failSaves.Store(-1)
	w, _ := b.run(t, 3)
	ev := b.publish(t, 1, fixture(t))
	waitFor(t, "dead letter", func() bool { return w.Stats().DeadLetters == 1 && b.backlog(t) == 0 })
	if got := b.store.saves.Load(); got != 3 {
		t.Errorf("%d attempts, want MaxDeliver = 3", got)
	}
	dls, err := b.store.DeadLetters(context.Background())
	if err != nil || len(dls) != 1 || dls[0].RawObject != ev.Object || dls[0].Attempts != 3 {
		t.Fatalf("dead letters %+v, %v", dls, err)
	}
	// The raw bytes are kept.
	r, err := b.bus.OpenRaw(context.Background(), ev.Object)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if !bytes.Equal(got, fixture(t)) {
		t.Fatal("raw bytes of the dead letter are not intact")
	}
}

// TestStoreOutageKeepsEvent: when the store is down long enough that even
// the dead letter cannot be written, the event stays on the bus, and is
// stored once the store is back.
func TestStoreOutageKeepsEvent(t *testing.T) {
	b := setup(t)
	b.store.failSaves.Store(-1)
	b.store.failDead.Store(true)
	w, _ := b.run(t, 2)
	b.publish(t, 1, fixture(t))
	waitFor(t, "several failed attempts", func() bool { return b.store.saves.Load() >= 4 })
	if w.Stats().DeadLetters != 0 || b.backlog(t) != 1 {
		t.Fatalf("during the outage: dead letters %d, backlog %d; want 0, 1", w.Stats().DeadLetters, b.backlog(t))
	}
	b.store.failSaves.Store(0)
	b.store.failDead.Store(false)
	waitFor(t, "stored after the outage", func() bool { return w.Stats().Stored == 1 && b.backlog(t) == 0 })
	if n := len(b.messages(t)); n != 1 {
		t.Fatalf("%d messages, want 1", n)
	}
}

// TestCrashAfterStoreBeforeAck: a worker stored the message and died before
// acknowledging; the redelivery finds it stored and stores nothing twice.
func TestCrashAfterStoreBeforeAck(t *testing.T) {
	b := setup(t)
	ev := b.publish(t, 1, fixture(t))
	crashed := worker.New(b.store, b.bus, worker.Options{Campaigns: map[string]*config.Campaign{"c1": {ID: "c1"}},
		TempDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := crashed.Handle(context.Background(), ev); err != nil { // stored, never acked
		t.Fatal(err)
	}
	w, _ := b.run(t, 5)
	waitFor(t, "redelivery settled", func() bool { return b.backlog(t) == 0 })
	if s := w.Stats(); s.Duplicates != 1 || s.Stored != 0 {
		t.Errorf("stats %+v, want one duplicate and nothing newly stored", s)
	}
	if n := len(b.messages(t)); n != 1 {
		t.Fatalf("%d messages, want 1", n)
	}
}

// TestMissingRawObject: an event whose raw bytes are gone cannot succeed;
// it becomes a dead letter instead of looping forever.
func TestMissingRawObject(t *testing.T) {
	b := setup(t)
	w, _ := b.run(t, 2)
	ev := bus.Event{CampaignID: "c1", MailboxID: "c1/a@163.com", UIDValidity: 1, UID: 9, Object: "gone", SHA256: "00"}
	if _, err := b.bus.Publish(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "dead letter", func() bool { return w.Stats().DeadLetters == 1 && b.backlog(t) == 0 })
	dls, _ := b.store.DeadLetters(context.Background())
	if len(dls) != 1 || dls[0].RawObject != "gone" {
		t.Fatalf("dead letters %+v", dls)
	}
}

// TestUnknownCampaign: a message for a campaign this process does not know
// is never stored silently: it is retried, then a dead letter.
func TestUnknownCampaign(t *testing.T) {
	b := setup(t)
	w, _ := b.run(t, 2)
	ctx := context.Background()
	name := bus.ObjectName("other/a@163.com", 1, 1)
	info, err := b.bus.PutRaw(ctx, name, bytes.NewReader(fixture(t)))
	if err != nil {
		t.Fatal(err)
	}
	ev := bus.Event{CampaignID: "other", MailboxID: "other/a@163.com", UIDValidity: 1, UID: 1, Object: name,
		Size: info.Size, SHA256: info.SHA256, InternalDate: time.Now()}
	if _, err := b.bus.Publish(ctx, ev); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "dead letter", func() bool { return w.Stats().DeadLetters == 1 && b.backlog(t) == 0 })
	if n := len(b.messages(t)); n != 0 {
		t.Fatalf("%d messages stored for an unknown campaign", n)
	}
	dls, _ := b.store.DeadLetters(ctx)
	if len(dls) != 1 || !strings.Contains(dls[0].Error, "not in this process's configuration") {
		t.Fatalf("dead letters %+v", dls)
	}
}
