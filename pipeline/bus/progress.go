package bus

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Progress is how far the workers have got through the events.
type Progress struct {
	// Backlog counts the events the workers have not finished (as
	// Backlog).
	Backlog uint64
	// InFlight counts the events delivered to a worker and not yet
	// acknowledged.
	InFlight uint64
	// Oldest is how long the oldest unfinished event has waited (0: none).
	Oldest time.Duration
	// LastAck is when a worker last finished an event, as the server
	// remembers it (zero when none has since the server started).
	LastAck time.Time
}

// Progress reads the worker consumer's progress.
func (b *Bus) Progress(ctx context.Context) (Progress, error) {
	return progress(ctx, b.js, b.names)
}

// ReadProgress connects to the NATS server at url, reads the progress of
// the installation in namespace and disconnects. It creates nothing (for
// `shoubao status`, which must not change what it looks at); a missing
// stream or consumer is an error.
func ReadProgress(ctx context.Context, url, namespace string) (Progress, error) {
	nc, err := nats.Connect(url, nats.Name("shoubao status"), nats.Timeout(5*time.Second))
	if err != nil {
		return Progress{}, fmt.Errorf("progress: %w", unavailable(ctx, err))
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return Progress{}, fmt.Errorf("progress: %w", err)
	}
	return progress(ctx, js, NamesFor(namespace))
}

func progress(ctx context.Context, js jetstream.JetStream, n Names) (Progress, error) {
	rctx, cancel := request(ctx)
	defer cancel()
	fail := func(err error) (Progress, error) {
		return Progress{}, fmt.Errorf("progress: %w", unavailable(rctx, err))
	}
	s, err := js.Stream(rctx, n.Stream)
	if err != nil {
		return fail(err)
	}
	si, err := s.Info(rctx)
	if err != nil {
		return fail(err)
	}
	c, err := s.Consumer(rctx, n.Consumer)
	if err != nil {
		return fail(err)
	}
	info, err := c.Info(rctx)
	if err != nil {
		return fail(err)
	}
	p := Progress{InFlight: uint64(info.NumAckPending)}
	if info.AckFloor.Last != nil {
		p.LastAck = *info.AckFloor.Last
	}
	last, floor := si.State.LastSeq, info.AckFloor.Stream
	if floor >= last {
		p.Backlog = uint64(info.NumAckPending)
		return p, nil
	}
	p.Backlog = last - floor
	next := max(floor+1, si.State.FirstSeq)
	m, err := s.GetMsg(rctx, next)
	if err != nil {
		return fail(err)
	}
	p.Oldest = max(time.Since(m.Time), 0)
	return p, nil
}
