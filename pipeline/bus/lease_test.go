package bus_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/pipeline/bus/bustest"
)

// TestLeaseOneHolder: two processes (two connections) want to poll the
// same mailbox; one at a time does. When the holder's connection dies
// without releasing, the other takes over within the lease's TTL; a
// holder that stops releases at once.
func TestLeaseOneHolder(t *testing.T) {
	t.Parallel()
	ns := bustest.Namespace(t)
	const ttl = 1500 * time.Millisecond
	connect := func(name string) *bus.Bus {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		b, err := bus.Connect(ctx, bus.Options{URL: bustest.URL(), Namespace: ns, LeaseTTL: ttl, Name: name,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b := connect("a"), connect("b")
	defer b.Close()
	var running atomic.Int32
	var mu sync.Mutex
	var order []string
	run := func(who string) func(ctx context.Context) {
		return func(ctx context.Context) {
			if n := running.Add(1); n != 1 {
				t.Errorf("%d holders at once", n)
			}
			mu.Lock()
			order = append(order, who)
			mu.Unlock()
			<-ctx.Done()
			running.Add(-1)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.Hold(ctx, "c/unit@163.com", "a", run("a"))
	waitHolder(t, b, "a", 5*time.Second)
	go b.Hold(ctx, "c/unit@163.com", "b", run("b"))
	time.Sleep(2 * ttl) // b waits: a renews
	if h, _ := b.Holder(ctx, "c/unit@163.com"); h != "a" {
		t.Fatalf("holder %q while a is alive, want a", h)
	}
	// a's connection dies: no release; b takes over once the lease lapses.
	died := time.Now()
	a.Close()
	waitHolder(t, b, "b", 4*ttl)
	if took := time.Since(died); took > ttl+ttl/5+time.Second {
		t.Errorf("takeover after %s, want within the TTL (%s) and a fifth of it (and a second for the test)", took, ttl)
	}
	// b's run starts right after its lease is taken: wait for it.
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(order)
		mu.Unlock()
		if n >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(order) != 2 || order[0] != "a" || order[1] != "b" {
		t.Errorf("holders in order %v", order)
	}
}

func waitHolder(t *testing.T, b *bus.Bus, want string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		h, err := b.Holder(context.Background(), "c/unit@163.com")
		if err == nil && h == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("holder %q (%v), want %q within %s", h, err, want, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
