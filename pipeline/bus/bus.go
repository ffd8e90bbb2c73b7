// Package bus is shoubao's connection to NATS JetStream: the stream of
// message events, the durable worker consumer, and the two object store
// buckets holding raw messages and the files found in them.
//
// With no URL it starts an embedded nats-server (the real server, in
// process) with JetStream on the data directory, so one binary works alone.
//
// Names (created or updated idempotently by Connect), for the default empty
// namespace; a namespace NS prefixes them as NS_SHOUBAO_EVENTS,
// NS.shoubao.message.…, NS-shoubao-workers, NS-shoubao-raw, NS-shoubao-files:
//
//	stream   SHOUBAO_EVENTS   subjects shoubao.message.<campaign>
//	consumer shoubao-workers  durable pull consumer of SHOUBAO_EVENTS
//	bucket   shoubao-raw      raw messages, named <campaign>/<address>/<uidvalidity>/<uid>
//	bucket   shoubao-files    decoded files, named by their SHA-256 (hex)
//	kv       shoubao-attempts events whose handling began and has not ended
//	kv       shoubao-leases   which process polls each mailbox
//
// Each of them is kept on Options.Replicas servers of a NATS cluster
// (bus.replicas); Connect changes the count of existing ones to it when
// JetStream allows, and says so in the log when it does not.
//
// An item in a bucket is stored as segments of at most SegmentSize
// (objects "<name>/seg/000000", …) and a manifest object at <name> written
// last (see segment.go), or, for a raw message of at most PutRawBytesMax
// stored by PutRawBytes, as the one object <name> whose metadata says so
// (manifest, pipelined.go). Readers take both.
package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Names are the JetStream resources of one shoubao installation.
type Names struct {
	Stream        string
	SubjectPrefix string
	Consumer      string
	BucketRaw     string
	BucketFiles   string
	// BucketAttempts is the key-value bucket of events whose handling
	// began and has not ended (see Attempt).
	BucketAttempts string
	// BucketLeases holds the leases that let one process at a time poll a
	// mailbox (see Hold).
	BucketLeases string
}

// NamesFor returns the resource names in a namespace ("" for the default).
func NamesFor(namespace string) Names {
	n := Names{
		Stream:        "SHOUBAO_EVENTS",
		SubjectPrefix: "shoubao.message.",
		Consumer:      "shoubao-workers",
		BucketRaw:     "shoubao-raw",
		BucketFiles:   "shoubao-files",

		BucketAttempts: "shoubao-attempts",
		BucketLeases:   "shoubao-leases",
	}
	if namespace != "" {
		n.Stream = namespace + "_" + n.Stream
		n.SubjectPrefix = namespace + "." + n.SubjectPrefix
		n.Consumer = namespace + "-" + n.Consumer
		n.BucketRaw = namespace + "-" + n.BucketRaw
		n.BucketFiles = namespace + "-" + n.BucketFiles
		n.BucketAttempts = namespace + "-" + n.BucketAttempts
		n.BucketLeases = namespace + "-" + n.BucketLeases
	}
	return n
}

// Event announces one raw message in the raw bucket. It is the payload of a
// message on shoubao.message.<campaign>, JSON-encoded.
type Event struct {
	CampaignID   string    `json:"campaign"`
	MailboxID    string    `json:"mailbox"`
	UIDValidity  uint32    `json:"uid_validity"`
	UID          uint32    `json:"uid"`
	InternalDate time.Time `json:"internal_date"`
	// Object names the raw bytes in the shoubao-raw bucket.
	Object string `json:"object"`
	Size   int64  `json:"size"`
	// SHA256 of the raw bytes, hex.
	SHA256 string `json:"sha256"`
	// Raw holds the raw bytes too when they are at most InlineMax, so that
	// the worker reads a small message from its event rather than from the
	// raw bucket (which still holds it: reprocess and dead letters read it
	// there).
	Raw []byte `json:"raw,omitempty"`
}

// InlineMax is the largest raw message carried in its event: base64 in
// JSON, it stays under the events stream's 64 KB message limit.
const InlineMax = 32 << 10

// ID is the event's deduplication id (Nats-Msg-Id): a republish of the same
// mailbox position is a no-op.
func (e Event) ID() string {
	return e.MailboxID + "/" + strconv.FormatUint(uint64(e.UIDValidity), 10) + "/" + strconv.FormatUint(uint64(e.UID), 10)
}

// ObjectName is the raw-bucket name for a mailbox position; it equals the
// event id.
func ObjectName(mailboxID string, uidValidity, uid uint32) string {
	return Event{MailboxID: mailboxID, UIDValidity: uidValidity, UID: uid}.ID()
}

// Options say how to reach JetStream.
type Options struct {
	// URL of an external NATS server, or of several servers of a cluster
	// separated by commas (as nats.Connect takes them: the client picks
	// one and moves to another when it goes away); empty starts an
	// embedded server.
	URL string
	// StoreDir is the embedded server's JetStream directory.
	StoreDir string
	// Listen is an extra loopback address for the embedded server, or
	// "none"/"" for in-process connections only.
	Listen string
	// MaxMemory and MaxStore cap the embedded server's JetStream storage.
	MaxMemory int64
	MaxStore  int64
	// Namespace prefixes every resource name, so several installations (or
	// tests) can share one NATS server. Letters, digits, '-' and '_'.
	Namespace string
	// LeaseTTL is how long a lease outlives its holder (DefaultLeaseTTL).
	// It is the bucket's: the first process to create it sets it.
	LeaseTTL time.Duration
	// Replicas is how many servers of the cluster keep each stream and
	// bucket (0 means 1). More than 1 needs a cluster of at least as many
	// JetStream servers.
	Replicas int
	// Name identifies the connection in server logs.
	Name   string
	Logger *slog.Logger
}

// Bus is a live connection to JetStream with shoubao's resources set up.
type Bus struct {
	nc    *nats.Conn
	js    jetstream.JetStream
	raw   jetstream.ObjectStore
	files jetstream.ObjectStore
	// attempts records the handling of events that began (attempts.go).
	attempts jetstream.KeyValue
	// leases are held by the processes polling a mailbox (lease.go).
	leases   jetstream.KeyValue
	leaseTTL time.Duration
	srv      *server.Server
	log      *slog.Logger
	events   jetstream.Stream
	names    Names
	replicas int
	// known are files this process stored or found in the files bucket,
	// which nothing deletes: PutFile does not ask the server again.
	known *knownSet

	closeOnce sync.Once
}

// Connect connects (starting the embedded server when opts.URL is empty) and
// creates or updates the stream and buckets.
func Connect(ctx context.Context, opts Options) (*Bus, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	b := &Bus{log: log, names: NamesFor(opts.Namespace), leaseTTL: opts.LeaseTTL, replicas: max(opts.Replicas, 1),
		known: newKnownSet(4096)}
	if b.leaseTTL <= 0 {
		b.leaseTTL = DefaultLeaseTTL
	}
	nopts := []nats.Option{
		nats.Name(opts.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { log.Info("nats reconnected", "url", c.ConnectedUrlRedacted()) }),
		// The client's own errors (a slow consumer dropping messages…) go
		// to the log, not raw to stderr.
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			subject := ""
			if sub != nil {
				subject = sub.Subject
			}
			log.Error("nats client error", "err", err, "subject", subject)
		}),
	}
	url := opts.URL
	if url == "" {
		srv, err := startEmbedded(opts)
		if err != nil {
			return nil, err
		}
		b.srv = srv
		nopts = append(nopts, nats.InProcessServer(srv))
		log.Info("embedded nats-server started", "store_dir", opts.StoreDir, "listen", opts.Listen)
	}
	nc, err := nats.Connect(url, nopts...)
	if err != nil {
		b.shutdownServer()
		return nil, fmt.Errorf("bus connect: %w", err)
	}
	b.nc = nc
	if err := b.setup(ctx); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

func startEmbedded(opts Options) (*server.Server, error) {
	sopts := &server.Options{
		ServerName:         "shoubao-embedded",
		JetStream:          true,
		StoreDir:           opts.StoreDir,
		JetStreamMaxMemory: opts.MaxMemory,
		JetStreamMaxStore:  opts.MaxStore,
		NoSigs:             true,
		NoLog:              true,
		DontListen:         true,
	}
	if opts.Listen != "" && opts.Listen != "none" {
		host, port, err := net.SplitHostPort(opts.Listen)
		if err != nil {
			return nil, fmt.Errorf("embedded nats-server: listen %q: %w", opts.Listen, err)
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			return nil, fmt.Errorf("embedded nats-server: listen %q: %w", opts.Listen, err)
		}
		sopts.DontListen, sopts.Host, sopts.Port = false, host, p
	}
	srv, err := server.NewServer(sopts)
	if err != nil {
		return nil, fmt.Errorf("embedded nats-server: %w", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(30 * time.Second) {
		srv.Shutdown()
		return nil, errors.New("embedded nats-server: not ready after 30s (is the store directory locked by another shoubao?)")
	}
	return srv, nil
}

// Close drains the connection and stops the embedded server, if any. It may
// be called more than once.
func (b *Bus) Close() { b.closeOnce.Do(b.close) }

func (b *Bus) close() {
	if b.nc != nil {
		_ = b.nc.Drain()
		// Drain is asynchronous; wait for it so the embedded server is not
		// shut down under in-flight acknowledgements.
		deadline := time.Now().Add(10 * time.Second)
		for !b.nc.IsClosed() && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		b.nc.Close()
	}
	b.shutdownServer()
}

func (b *Bus) shutdownServer() {
	if b.srv != nil {
		b.srv.Shutdown()
		b.srv.WaitForShutdown()
	}
}

// Names returns the resource names this bus uses.
func (b *Bus) Names() Names { return b.names }

// Embedded reports whether the bus runs an in-process server.
func (b *Bus) Embedded() bool { return b.srv != nil }

// RawInfo describes a stored raw message.
type RawInfo struct {
	Size   int64
	SHA256 string // hex
}

// PutRaw streams r into the raw bucket under name, never holding the whole
// message in memory, and returns its size and SHA-256, as segments and a
// manifest. Writing the same name again replaces it (ObjectStore.Put
// purges the former chunks of the object at name, those of a single
// object PutRawBytes wrote included).
func (b *Bus) PutRaw(ctx context.Context, name string, r io.Reader) (RawInfo, error) {
	ctx, cancel := withoutDeadline(ctx)
	defer cancel()
	m, err := putSegmented(ctx, b.raw, name, r)
	if err != nil {
		return RawInfo{}, fmt.Errorf("put raw %s: %w", name, err)
	}
	return RawInfo{Size: m.Size, SHA256: m.SHA256}, nil
}

// OpenRaw streams a raw message from the raw bucket, stored in either
// layout (segments and manifest, or one object). The reader returns an
// error instead of io.EOF if the bytes do not match what was stored.
func (b *Bus) OpenRaw(ctx context.Context, name string) (io.ReadCloser, error) {
	r, err := openSegmented(ctx, b.raw, name)
	if err != nil {
		return nil, fmt.Errorf("open raw %s: %w", name, err)
	}
	return r, nil
}

// withoutDeadline returns a context cancelled when ctx is done but with no
// deadline of its own. Given one, the JetStream client waits for a publish
// acknowledgement until that deadline (an hour under `run --once`); when
// the server that was to send it goes away (a node of the cluster stops),
// the acknowledgement never comes. Without one, it gives up on each after
// its default timeout (5s) and the caller retries, on another server.
func withoutDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() { cancel(context.Cause(ctx)) })
	return c, func() { stop(); cancel(context.Canceled) }
}

// ErrNotFound is returned when an object does not exist.
var ErrNotFound = errors.New("object not found")

// PutFile stores a decoded file in the files bucket under its SHA-256. A
// file already there is not sent again. It makes *Bus an inspect.FileSink.
func (b *Bus) PutFile(ctx context.Context, sha256 string, size int64, r io.Reader) error {
	ctx, cancel := withoutDeadline(ctx)
	defer cancel()
	if b.known.has(sha256) {
		return nil
	}
	if m, err := readManifest(ctx, b.files, sha256); err == nil && m.Size == size && m.SHA256 == sha256 {
		b.known.add(sha256)
		return nil
	}
	m, err := putSegmented(ctx, b.files, sha256, r)
	if err != nil {
		return fmt.Errorf("put file %s: %w", sha256, err)
	}
	if m.SHA256 != sha256 {
		return fmt.Errorf("put file %s: the bytes hash to %s", sha256, m.SHA256)
	}
	b.known.add(sha256)
	return nil
}

// OpenFile streams a decoded file from the files bucket.
func (b *Bus) OpenFile(ctx context.Context, sha256 string) (io.ReadCloser, error) {
	r, err := openSegmented(ctx, b.files, sha256)
	if err != nil {
		return nil, fmt.Errorf("open file %s: %w", sha256, err)
	}
	return r, nil
}

// Publish publishes an event with its deduplication id and waits for the
// server's acknowledgement. duplicate is true when the server had already
// stored this event.
func (b *Bus) Publish(ctx context.Context, ev Event) (duplicate bool, err error) {
	data, err := json.Marshal(ev)
	if err != nil {
		return false, fmt.Errorf("publish: %w", err)
	}
	ctx, cancel := withoutDeadline(ctx)
	defer cancel()
	ack, err := b.js.Publish(ctx, b.names.SubjectPrefix+ev.CampaignID, data, jetstream.WithMsgID(ev.ID()))
	if err != nil {
		return false, fmt.Errorf("publish %s: %w", ev.ID(), err)
	}
	return ack.Duplicate, nil
}

// Backlog reports how many events the workers have not finished: events
// in the stream beyond the consumer's acknowledgement floor (delivered and
// not yet acknowledged, or not yet delivered). It uses the stream's last
// sequence and the ack floor, which the server updates synchronously; the
// consumer's pending count can lag behind a publish that just returned.
func (b *Bus) Backlog(ctx context.Context) (uint64, error) {
	si, err := b.events.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("backlog: %w", err)
	}
	c, err := b.events.Consumer(ctx, b.names.Consumer)
	if err != nil {
		return 0, fmt.Errorf("backlog: %w", err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("backlog: %w", err)
	}
	last, floor := si.State.LastSeq, info.AckFloor.Stream
	if floor >= last {
		return uint64(info.NumAckPending), nil
	}
	return last - floor, nil
}

// OldestUnprocessed returns how long the oldest event the workers have
// not finished has waited (0 when there is none): a stalled consumer shows
// as an age that only grows.
func (b *Bus) OldestUnprocessed(ctx context.Context) (time.Duration, error) {
	c, err := b.events.Consumer(ctx, b.names.Consumer)
	if err != nil {
		return 0, fmt.Errorf("oldest unprocessed: %w", err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("oldest unprocessed: %w", err)
	}
	si, err := b.events.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("oldest unprocessed: %w", err)
	}
	next := info.AckFloor.Stream + 1
	if next > si.State.LastSeq {
		return 0, nil
	}
	if next < si.State.FirstSeq {
		next = si.State.FirstSeq
	}
	m, err := b.events.GetMsg(ctx, next)
	if err != nil {
		return 0, fmt.Errorf("oldest unprocessed: %w", err)
	}
	return time.Since(m.Time), nil
}
