package poller_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/pipeline/poller"
)

// stallingBus stores raw messages but holds the acknowledgement of its
// first event until the poller has filled its in-memory budget with
// messages put and not yet published (puts stop coming), then reports a
// failure: an event stream that stalls while the raw bucket answers.
type stallingBus struct {
	*bus.Bus
	puts    atomic.Int64
	lastPut atomic.Int64 // UnixNano
	stalled atomic.Bool
}

func (s *stallingBus) PutRawBytes(ctx context.Context, name string, data []byte) (bus.RawInfo, error) {
	info, err := s.Bus.PutRawBytes(ctx, name, data)
	if err == nil {
		s.puts.Add(1)
		s.lastPut.Store(time.Now().UnixNano())
	}
	return info, err
}

func (s *stallingBus) PublishAsync(ev bus.Event) (func(context.Context) (bool, error), error) {
	wait, err := s.Bus.PublishAsync(ev)
	if err != nil || !s.stalled.CompareAndSwap(false, true) {
		return wait, err
	}
	return func(context.Context) (bool, error) {
		for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			if s.puts.Load() >= 400 && time.Since(time.Unix(0, s.lastPut.Load())) > 500*time.Millisecond {
				break
			}
		}
		return false, errors.New("injected: no acknowledgement from the event stream")
	}, nil
}

// TestPublishFailureWithFullBudget: when publishing fails while the
// messages put and not yet published hold the whole in-memory budget (the
// reading goroutine waiting for room), the sync ends with the error
// instead of waiting for room forever, and the next sync publishes every
// message once.
func TestPublishFailureWithFullBudget(t *testing.T) {
	t.Parallel()
	b := setup(t, servers[0].start(t))
	ctx := context.Background()
	const n = 700 // 32 KB each: more than the 16 MiB budget
	b.srv.AppendMany(t, "INBOX", n, func(i int) []byte { return message(i+1, 32000) }, time.Now())
	sb := &stallingBus{Bus: b.bus}
	p := poller.New(b.mailbox("", "INBOX"), b.store, sb, poller.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		got, err := p.SyncOnce(ctx)
		done <- result{got, err}
	}()
	select {
	case r := <-done:
		if r.err == nil || !strings.Contains(r.err.Error(), "injected") || r.n != 0 {
			t.Fatalf("sync with a stalled event stream: published %d, err %v; want 0 and the injected error", r.n, r.err)
		}
	case <-time.After(40 * time.Second):
		t.Fatalf("sync with a stalled event stream did not return (%d puts): the reader waits for memory no one releases", sb.puts.Load())
	}
	cp, _ := b.store.LoadCheckpoint(ctx, "c1/unit@163.com")
	if cp.LastUID != 0 {
		t.Fatalf("checkpoint after the failure: last UID %d; want 0", cp.LastUID)
	}
	if got, err := p.SyncOnce(ctx); err != nil || got != n {
		t.Fatalf("next sync: published %d, %v; want %d", got, err, n)
	}
	seen := map[uint32]bool{}
	for _, ev := range b.drain(t) {
		if seen[ev.UID] {
			t.Errorf("UID %d published twice", ev.UID)
		}
		seen[ev.UID] = true
	}
	if len(seen) != n {
		t.Errorf("%d messages published, want %d", len(seen), n)
	}
}
