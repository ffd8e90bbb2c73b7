package bus_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/pipeline/bus/bustest"
)

// consumed records what a worker-like consumer received.
type consumed struct {
	mu   sync.Mutex
	seqs map[string]map[uint64]bool // event id → stream sequences delivered
	at   map[string]time.Time       // event id → first delivery
	n    int                        // deliveries
}

func (c *consumed) add(id string, seq uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seqs[id] == nil {
		c.seqs[id] = map[uint64]bool{}
		c.at[id] = time.Now()
	}
	c.seqs[id][seq] = true
	c.n++
}

func (c *consumed) distinct() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seqs)
}

// TestClusterNodeLoss: on a three-node JetStream cluster with replicas 3, a
// poller-like publisher stores raw messages and publishes their events
// (retrying a failed call, as the poller does) while a worker-like
// consumer takes them; a node is shut down a third of the way through and
// started again at two thirds: the one leading the event stream, or the
// one the bus is connected to. Every event is stored once in the stream
// and consumed, every raw message reads back intact, a republish is still
// a duplicate, and the restarted node catches up.
func TestClusterNodeLoss(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		victim func(c *bustest.Cluster, b *bus.Bus, t *testing.T) int
	}{
		{"stream leader", func(c *bustest.Cluster, b *bus.Bus, _ *testing.T) int { return c.StreamLeader(b.Names().Stream) }},
		{"client's server", func(c *bustest.Cluster, _ *bus.Bus, t *testing.T) int { return c.ClientNode(t.Name()) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			testNodeLoss(t, tc.victim)
		})
	}
}

func testNodeLoss(t *testing.T, pick func(c *bustest.Cluster, b *bus.Bus, t *testing.T) int) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	began := time.Now()
	c := bustest.NewCluster(t, 3)
	b := c.Bus(t)
	t.Logf("cluster up and bus set up in %s", time.Since(began).Round(time.Millisecond))
	js := c.JetStream(t)
	names := b.Names()
	for _, stream := range []string{names.Stream, "OBJ_" + names.BucketRaw, "OBJ_" + names.BucketFiles, "KV_" + names.BucketAttempts, "KV_" + names.BucketLeases} {
		if r := streamInfo(ctx, t, js, stream).Config.Replicas; r != 3 {
			t.Errorf("stream %s: %d replicas, want 3", stream, r)
		}
	}
	cons, err := b.WorkerConsumer(ctx, bus.ConsumerOptions{AckWait: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}

	got := &consumed{seqs: map[string]map[uint64]bool{}, at: map[string]time.Time{}}
	cctx, cstop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for range 2 { // two workers, as worker.concurrency
		wg.Add(1)
		go func() {
			defer wg.Done()
			it, err := cons.Messages(jetstream.PullMaxMessages(1))
			if err != nil {
				t.Error(err)
				return
			}
			defer context.AfterFunc(cctx, it.Stop)()
			defer it.Stop()
			for {
				m, err := it.Next()
				if err != nil {
					if cctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
						return
					}
					continue
				}
				var ev bus.Event
				md, merr := m.Metadata()
				if err := json.Unmarshal(m.Data(), &ev); err != nil || merr != nil {
					t.Errorf("event %q: %v %v", m.Data(), err, merr)
					continue
				}
				got.add(ev.ID(), md.Sequence.Stream)
				_ = m.DoubleAck(cctx) // a lost ack is a redelivery, counted apart
			}
		}()
	}
	defer func() { cstop(); wg.Wait() }()

	const n = 150
	retry := func(what string, f func() error) time.Duration {
		t.Helper()
		start := time.Now()
		for {
			err := f()
			if err == nil {
				return time.Since(start)
			}
			if ctx.Err() != nil {
				t.Fatalf("%s: %v", what, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	sums := map[string]string{}
	events := make([]bus.Event, n)
	victim := -1
	var killed, published time.Time
	var resumeAfter, longestStall time.Duration
	start := time.Now()
	for i := range n {
		switch i {
		case n / 3:
			victim = pick(c, b, t)
			if victim < 0 {
				t.Fatal("no node to shut down")
			}
			c.Stop(victim)
			killed = time.Now()
		case 2 * n / 3:
			c.Start(victim)
		}
		name := bus.ObjectName("c1/a@163.com", 7, uint32(i+1))
		data := make([]byte, 1024+rng.IntN(16<<10))
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		sum := sha256.Sum256(data)
		sums[name] = hex.EncodeToString(sum[:])
		t0 := time.Now()
		retry("put raw", func() error {
			_, err := b.PutRaw(ctx, name, bytes.NewReader(data))
			return err
		})
		events[i] = bus.Event{CampaignID: "c1", MailboxID: "c1/a@163.com", UIDValidity: 7, UID: uint32(i + 1),
			Object: name, Size: int64(len(data)), SHA256: sums[name]}
		retry("publish", func() error {
			_, err := b.Publish(ctx, events[i])
			return err
		})
		longestStall = max(longestStall, time.Since(t0))
		if !killed.IsZero() && resumeAfter == 0 {
			resumeAfter = time.Since(killed)
		}
		published = time.Now()
	}
	ingest := published.Sub(start)

	// Every event is consumed.
	deadline := time.Now().Add(60 * time.Second)
	for got.distinct() < n {
		if time.Now().After(deadline) {
			t.Fatalf("consumed %d distinct events of %d", got.distinct(), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	consumedAll := time.Since(start)
	var consumeResume time.Duration
	got.mu.Lock()
	for _, at := range got.at {
		if at.After(killed) && (consumeResume == 0 || at.Sub(killed) < consumeResume) {
			consumeResume = at.Sub(killed)
		}
	}
	redelivered := got.n - len(got.seqs)
	for id, seqs := range got.seqs {
		if len(seqs) != 1 {
			t.Errorf("event %s stored %d times (stream sequences %v)", id, len(seqs), seqs)
		}
	}
	got.mu.Unlock()
	t.Logf("%d events (raw 1–17 KB each), replicas 3, node %d shut down at event %d and restarted at %d: "+
		"ingest %s (%.0f events/s), publishing resumed %s after the shutdown (longest stall of one event %s), "+
		"first new event consumed %s after it, all consumed after %s, %d redeliveries",
		n, victim+1, n/3, 2*n/3, ingest.Round(time.Millisecond), float64(n)/ingest.Seconds(), resumeAfter.Round(time.Millisecond),
		longestStall.Round(time.Millisecond), consumeResume.Round(time.Millisecond), consumedAll.Round(time.Millisecond), redelivered)

	// Stored once each: the stream holds exactly n events.
	if s := streamInfo(ctx, t, js, names.Stream); s.State.Msgs != n || s.State.LastSeq != n {
		t.Errorf("stream holds %d events (last sequence %d), want %d", s.State.Msgs, s.State.LastSeq, n)
	}
	// The dedupe window survived the change of leader.
	for _, i := range []int{0, n / 3, n - 1} {
		if dup, err := b.Publish(ctx, events[i]); err != nil || !dup {
			t.Errorf("republish of event %d: duplicate=%v, %v; want a duplicate", i, dup, err)
		}
	}
	// Every raw message reads back intact.
	for name, sum := range sums {
		r, err := b.OpenRaw(ctx, name)
		if err != nil {
			t.Errorf("open raw %s: %v", name, err)
			continue
		}
		h := sha256.New()
		_, err = io.Copy(h, r)
		r.Close()
		if err != nil || hex.EncodeToString(h.Sum(nil)) != sum {
			t.Errorf("raw %s: %v, sha256 %x want %s", name, err, h.Sum(nil), sum)
		}
	}
	t.Logf("checked in %s", time.Since(start).Round(time.Millisecond))
	// The restarted node caught up with the event stream.
	deadline = time.Now().Add(30 * time.Second)
	for !c.Server(victim).JetStreamIsStreamCurrent(server.DEFAULT_GLOBAL_ACCOUNT, names.Stream) {
		if time.Now().After(deadline) {
			t.Fatalf("node %d is not current with the event stream 30s after its restart", victim+1)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// streamInfo returns what the server says of a stream.
func streamInfo(ctx context.Context, t *testing.T, js jetstream.JetStream, name string) *jetstream.StreamInfo {
	t.Helper()
	s, err := js.Stream(ctx, name)
	if err != nil {
		t.Fatalf("stream %s: %v", name, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatalf("stream %s: %v", name, err)
	}
	return info
}

// TestClusterConcurrentConnect: processes started together on a new
// cluster create the same streams, buckets and worker consumer at once
// (the cluster does not answer the requests that lose the race, and may
// drop the pull requests of the process that was ready first); every one
// of them connects, gets the consumer and, within PullExpiry, events.
func TestClusterConcurrentConnect(t *testing.T) {
	t.Parallel()
	c := bustest.NewCluster(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const procs = 3
	buses := make([]*bus.Bus, procs)
	var got [procs]atomic.Int32
	var wg sync.WaitGroup
	for i := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			b, err := bus.Connect(ctx, bus.Options{URL: c.URL(), Replicas: 3, Name: fmt.Sprintf("p%d", i),
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Errorf("process %d: %v (after %s)", i, err, time.Since(start).Round(time.Millisecond))
				return
			}
			t.Cleanup(b.Close)
			cons, err := b.WorkerConsumer(ctx, bus.ConsumerOptions{})
			if err != nil {
				t.Errorf("process %d: %v (after %s)", i, err, time.Since(start).Round(time.Millisecond))
				return
			}
			t.Logf("process %d connected and has the worker consumer in %s", i, time.Since(start).Round(time.Millisecond))
			buses[i] = b
			// Pull at once, as a worker does.
			it, err := cons.Messages(jetstream.PullMaxMessages(1))
			if err != nil {
				t.Error(err)
				return
			}
			go func() {
				defer context.AfterFunc(ctx, it.Stop)()
				for {
					m, err := it.Next()
					if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
						return
					}
					if err == nil {
						got[i].Add(1)
						_ = m.Ack()
					}
				}
			}()
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	// Events come one by one for longer than PullExpiry.
	const n = 40
	for i := range n {
		time.Sleep((bus.PullExpiry + 3*time.Second) / n)
		if _, err := buses[i%procs].Publish(ctx, bus.Event{CampaignID: "c", MailboxID: "m", UIDValidity: 1, UID: uint32(i + 1)}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	total := func() (n int32) {
		for i := range got {
			n += got[i].Load()
		}
		return n
	}
	for total() < n && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	var split []string
	for i := range got {
		split = append(split, strconv.Itoa(int(got[i].Load())))
		if got[i].Load() == 0 {
			t.Errorf("process %d received no event", i)
		}
	}
	t.Logf("events received by each process: %s", strings.Join(split, ", "))
	if total() != n {
		t.Errorf("%d events received, want %d", total(), n)
	}
}

// TestClusterReplicasChange: streams and buckets made with one replica
// are given three when a process asks for three; asking for more than the
// cluster has keeps the count they have and says so in the log; a new
// installation asking for too many fails to connect, naming the stream.
func TestClusterReplicasChange(t *testing.T) {
	t.Parallel()
	c := bustest.NewCluster(t, 3)
	js := c.JetStream(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	connect := func(ns string, replicas int) (*bus.Bus, string, error) {
		var log syncBuffer
		b, err := bus.Connect(ctx, bus.Options{URL: c.URL(), Namespace: ns, Replicas: replicas, Name: t.Name(),
			Logger: slog.New(slog.NewTextHandler(&log, nil))})
		if err == nil {
			b.Close()
		}
		return b, log.String(), err
	}
	replicas := func(ns string) []int {
		n := bus.NamesFor(ns)
		var rs []int
		for _, s := range []string{n.Stream, "OBJ_" + n.BucketRaw, "OBJ_" + n.BucketFiles, "KV_" + n.BucketAttempts, "KV_" + n.BucketLeases} {
			rs = append(rs, streamInfo(ctx, t, js, s).Config.Replicas)
		}
		return rs
	}
	for _, tc := range []struct {
		name     string
		replicas int
		want     []int
		log      string // in the log
	}{
		{"made with one", 1, []int{1, 1, 1, 1, 1}, ""},
		{"three asked", 3, []int{3, 3, 3, 3, 3}, "replicas changed"},
		{"more than the cluster has", 5, []int{3, 3, 3, 3, 3}, "cannot change the replicas"},
		{"back to one", 1, []int{1, 1, 1, 1, 1}, "replicas changed"},
	} {
		_, log, err := connect("up", tc.replicas)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := replicas("up"); !slices.Equal(got, tc.want) {
			t.Errorf("%s: replicas %v, want %v", tc.name, got, tc.want)
		}
		if tc.log != "" && strings.Count(log, tc.log) < 5 {
			t.Errorf("%s: the log does not say %q for each of the five streams:\n%s", tc.name, tc.log, log)
		}
	}
	if _, _, err := connect("new", 5); err == nil || !strings.Contains(err.Error(), bus.NamesFor("new").Stream) {
		t.Errorf("a new installation with 5 replicas on 3 servers: %v, want an error naming its stream", err)
	}
}

// syncBuffer is a log that goroutines write while the test reads it.
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
