package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// DefaultLeaseTTL is how long a lease outlives the process holding it.
// With the retries of Hold (every fifth of it), a mailbox whose poller
// died is taken over within 30 s.
const DefaultLeaseTTL = 25 * time.Second

// leaseKey turns a lease name (a mailbox id) into a key-value key.
func leaseKey(name string) string { return attemptKey("lease\x00" + name) }

// Hold runs run while this process holds the lease called name, across all
// the processes that share the bus: one poller per mailbox, however many
// `run` processes there are. holder names this process (shown by Holder).
// The lease is renewed every third of its TTL; when renewing fails (the
// bus is gone, another process took it), run's context is cancelled. A
// lease whose holder died lapses after the TTL, and another process,
// trying every fifth of the TTL, takes it over: within 1.2 TTL. Hold
// returns when ctx is done, releasing the lease.
func (b *Bus) Hold(ctx context.Context, name, holder string, run func(ctx context.Context)) error {
	key := leaseKey(name)
	every := b.leaseTTL / 5
	for {
		rev, err := b.leases.Create(ctx, key, []byte(holder))
		if err == nil {
			b.holdWhile(ctx, key, holder, rev, run)
		} else if !errors.Is(err, jetstream.ErrKeyExists) && ctx.Err() == nil {
			b.log.Warn("lease: cannot take", "lease", name, "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(every):
		}
	}
}

// holdWhile runs run under a lease taken at revision rev, renewing it,
// and releases it when run returns.
func (b *Bus) holdWhile(ctx context.Context, key, holder string, rev uint64, run func(ctx context.Context)) {
	lctx, lost := context.WithCancel(ctx)
	defer lost()
	done := make(chan struct{})
	go func() {
		defer close(done)
		run(lctx)
	}()
	t := time.NewTicker(b.leaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-done:
			b.release(key, rev)
			return
		case <-t.C:
			next, err := b.leases.Update(lctx, key, []byte(holder), rev)
			if err != nil {
				b.log.Warn("lease: lost; stopping", "err", err)
				lost()
				<-done
				return
			}
			rev = next
		}
	}
}

func (b *Bus) release(key string, rev uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = b.leases.Delete(ctx, key, jetstream.LastRevision(rev))
}

// Holder returns who holds the lease called name, or "" when nobody does.
func (b *Bus) Holder(ctx context.Context, name string) (string, error) {
	e, err := b.leases.Get(ctx, leaseKey(name))
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("lease holder: %w", err)
	}
	return string(e.Value()), nil
}
