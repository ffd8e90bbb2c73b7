package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ErrUnavailable marks a failure of the server or of the connection to it
// (a restart, a partition, JetStream not ready yet): the same call may
// succeed in a moment. Callers retry it instead of counting it against the
// message.
var ErrUnavailable = errors.New("bus unavailable")

// RequestTimeout bounds one request to the server whatever the caller's
// deadline. A request sent just before the connection dropped gets no reply
// after a server restart; without a bound of its own it would wait for the
// caller's deadline (a worker's: the inspection's 10 minutes).
const RequestTimeout = 5 * time.Second

// errRequestTimeout is the cause of a request context's end when
// RequestTimeout ran out.
var errRequestTimeout = errors.New("no reply from the NATS server")

// request returns a context for one request: ctx bounded by RequestTimeout.
func request(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, RequestTimeout, errRequestTimeout)
}

// unavailable wraps err with ErrUnavailable when it says that the server
// could not be reached or did not answer (rctx is the request's context).
func unavailable(rctx context.Context, err error) error {
	if err == nil || errors.Is(err, ErrUnavailable) {
		return err
	}
	if errors.Is(context.Cause(rctx), errRequestTimeout) && errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	var apiErr *jetstream.APIError
	switch {
	case errors.Is(err, nats.ErrNoResponders), errors.Is(err, nats.ErrTimeout), errors.Is(err, nats.ErrConnectionClosed),
		errors.Is(err, nats.ErrConnectionReconnecting), errors.Is(err, nats.ErrDisconnected), errors.Is(err, nats.ErrConnectionDraining),
		errors.Is(err, jetstream.ErrNoStreamResponse), errors.Is(err, jetstream.ErrConnectionClosed), errors.Is(err, jetstream.ErrServerShutdown),
		errors.Is(err, jetstream.ErrJetStreamNotEnabled), errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount),
		errors.Is(err, jetstream.ErrAsyncPublishTimeout),
		errors.As(err, &apiErr) && apiErr.Code == 503:
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

// call runs one request under RequestTimeout, marking a failure to reach
// the server with ErrUnavailable.
func call[T any](ctx context.Context, f func(ctx context.Context) (T, error)) (T, error) {
	rctx, cancel := request(ctx)
	defer cancel()
	v, err := f(rctx)
	return v, unavailable(rctx, err)
}
