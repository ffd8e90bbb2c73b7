package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// setup creates or updates the stream and buckets of the package doc, with
// b.replicas replicas each.
func (b *Bus) setup(ctx context.Context) error {
	// An asynchronous publish whose acknowledgement is lost (a stream
	// leader change without a reconnect) is let go after a while; left
	// pending, 4,000 of them would make every later publish fail with
	// ErrTooManyStalledMsgs. Longer than RequestTimeout, since it counts
	// from the publish, not from the wait.
	js, err := jetstream.New(b.nc, jetstream.WithPublishAsyncTimeout(2*RequestTimeout))
	if err != nil {
		return fmt.Errorf("bus setup: %w", err)
	}
	b.js = js
	n := b.names
	err = b.ensure(ctx, "stream", n.Stream, n.Stream, func(ctx context.Context, replicas int) (err error) {
		b.events, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
			Name:        n.Stream,
			Description: "shoubao: one event per raw message captured from a contact mailbox",
			Subjects:    []string{n.SubjectPrefix + ">"},
			Storage:     jetstream.FileStorage,
			Retention:   jetstream.LimitsPolicy,
			MaxAge:      365 * 24 * time.Hour,
			Duplicates:  24 * time.Hour,
			MaxMsgSize:  64 << 10,
			Replicas:    replicas,
		})
		return err
	})
	if err != nil {
		return err
	}
	objects := []struct {
		bucket, description string
		store               *jetstream.ObjectStore
	}{
		{n.BucketRaw, "shoubao: raw messages as fetched from the mailboxes", &b.raw},
		{n.BucketFiles, "shoubao: decoded attachments, content-addressed by SHA-256", &b.files},
	}
	for _, o := range objects {
		err := b.ensure(ctx, "bucket", o.bucket, "OBJ_"+o.bucket, func(ctx context.Context, replicas int) (err error) {
			*o.store, err = js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
				Bucket:      o.bucket,
				Description: o.description,
				Storage:     jetstream.FileStorage,
				Replicas:    replicas,
			})
			return err
		})
		if err != nil {
			return err
		}
	}
	kvs := []struct {
		bucket, description string
		ttl                 time.Duration
		kv                  *jetstream.KeyValue
	}{
		{n.BucketAttempts, "shoubao: events whose handling began and has not ended (poison-message guard)", 30 * 24 * time.Hour, &b.attempts},
		{n.BucketLeases, "shoubao: which process polls each mailbox", b.leaseTTL, &b.leases},
	}
	for _, k := range kvs {
		err := b.ensure(ctx, "bucket", k.bucket, "KV_"+k.bucket, func(ctx context.Context, replicas int) (err error) {
			*k.kv, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
				Bucket:      k.bucket,
				Description: k.description,
				History:     1,
				TTL:         k.ttl,
				Storage:     jetstream.FileStorage,
				Replicas:    replicas,
			})
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Streams, buckets and consumers are created or updated in attempts of
// setupAttempt, at most setupAttempts of them. A cluster does not answer a
// request to create a stream or consumer that another process creates at
// the same moment (processes starting together): the request times out
// while the resource gets created, and the next attempt finds it.
const (
	setupAttempt  = 2 * time.Second
	setupAttempts = 15
)

// noAnswer says whether err is a request that got no answer in time.
func noAnswer(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout)
}

// ensure creates or updates the resource called name (a stream, or a
// bucket kept in the stream called stream) with b.replicas replicas by
// calling create. A resource that exists with another count is changed to
// it when JetStream allows (a cluster with enough servers); when it does
// not, the error is logged and the resource is kept with the count it has.
func (b *Bus) ensure(ctx context.Context, kind, name, stream string, create func(ctx context.Context, replicas int) error) error {
	have, replicas := 0, b.replicas
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, setupAttempt)
		if have == 0 {
			if s, err := b.js.Stream(actx, stream); err == nil {
				have = s.CachedInfo().Config.Replicas
			}
		}
		err := create(actx, replicas)
		cancel()
		switch {
		case err == nil:
			if have != 0 && have != replicas {
				b.log.Info("bus: replicas changed", kind, name, "from", have, "to", replicas)
			}
			return nil
		case noAnswer(err) && ctx.Err() == nil && attempt < setupAttempts:
			b.log.Debug("bus setup: no answer; trying again", kind, name, "attempt", attempt)
		case have != 0 && replicas != have && !noAnswer(err):
			b.log.Error("bus: cannot change the replicas (bus.replicas); keeping the count it has",
				kind, name, "replicas", have, "want", replicas, "err", err)
			replicas = have
		default:
			return fmt.Errorf("bus setup: %s %s: %w", kind, name, err)
		}
	}
}

// ConsumerOptions tune the worker consumer.
type ConsumerOptions struct {
	// AckWait is how long a delivered event may go unacknowledged before it
	// is redelivered; workers extend it with InProgress while they work.
	AckWait time.Duration
	// MaxAckPending caps the events in flight across all workers.
	MaxAckPending int
}

// WorkerConsumer creates or updates the durable worker consumer. Redelivery
// is unlimited at the server: workers count attempts themselves and turn a
// message that keeps failing into a dead-letter record, so that a store
// outage never drops a message.
func (b *Bus) WorkerConsumer(ctx context.Context, o ConsumerOptions) (jetstream.Consumer, error) {
	if o.AckWait == 0 {
		o.AckWait = 2 * time.Minute
	}
	if o.MaxAckPending == 0 {
		o.MaxAckPending = 256
	}
	want := jetstream.ConsumerConfig{
		Durable:       b.names.Consumer,
		Description:   "shoubao workers: parse, check and store each message",
		FilterSubject: b.names.SubjectPrefix + ">",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       o.AckWait,
		MaxDeliver:    -1,
		MaxAckPending: o.MaxAckPending,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	}
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, setupAttempt)
		// A consumer that is as wanted is left alone: on a cluster, an
		// update racing another process's can drop the pull requests
		// waiting on it (see PullExpiry).
		c, err := b.events.Consumer(actx, want.Durable)
		if err != nil || !sameConsumer(c.CachedInfo().Config, want) {
			c, err = b.events.CreateOrUpdateConsumer(actx, want)
		}
		cancel()
		if err == nil {
			return pullConsumer{c}, nil
		}
		if !noAnswer(err) || ctx.Err() != nil || attempt == setupAttempts {
			return nil, fmt.Errorf("worker consumer: %w", err)
		}
	}
}

// PullExpiry is how long a worker's pull request waits at the server. The
// client re-pulls after missing two heartbeats, sent every half of it: a
// pull request that the server dropped (its consumer leader went away,
// another process created the consumer at the same moment) holds the
// worker up for this long, not for the client's default of 30s.
const PullExpiry = 5 * time.Second

// pullConsumer is a consumer whose Messages pull with PullExpiry unless
// told otherwise.
type pullConsumer struct{ jetstream.Consumer }

func (c pullConsumer) Messages(opts ...jetstream.PullMessagesOpt) (jetstream.MessagesContext, error) {
	return c.Consumer.Messages(append([]jetstream.PullMessagesOpt{jetstream.PullExpiry(PullExpiry)}, opts...)...)
}

// sameConsumer says whether the consumer config have has every setting of
// want (the server fills in the rest).
func sameConsumer(have, want jetstream.ConsumerConfig) bool {
	return have.Durable == want.Durable && have.Description == want.Description && have.FilterSubject == want.FilterSubject &&
		have.AckPolicy == want.AckPolicy && have.AckWait == want.AckWait && have.MaxDeliver == want.MaxDeliver &&
		have.MaxAckPending == want.MaxAckPending && have.DeliverPolicy == want.DeliverPolicy
}
