package bus_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/shoubao/shoubao/pipeline/bus"
)

// TestPutRawBytes: a message stored by PutRawBytes reads back through
// OpenRaw as one stored by PutRaw does, at the chunk boundaries; storing
// the same name again replaces the former chunks (the raw bucket's stream
// does not grow); a message over PutRawBytesMax is refused.
func TestPutRawBytes(t *testing.T) {
	b, js := listeningBus(t)
	ctx := context.Background()
	data := make([]byte, bus.PutRawBytesMax)
	rand.NewChaCha8([32]byte{2}).Read(data)
	stream, err := js.Stream(ctx, "OBJ_"+b.Names().BucketRaw)
	if err != nil {
		t.Fatal(err)
	}
	streamBytes := func() uint64 {
		info, err := stream.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return info.State.Bytes
	}
	for _, n := range []int{0, 1, 3000, 128 << 10, 128<<10 + 1, bus.PutRawBytesMax} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			name := fmt.Sprintf("c1/a@163.com/7/%d", n)
			sum := sha256.Sum256(data[:n])
			for i := range 2 {
				info, err := b.PutRawBytes(ctx, name, data[:n])
				if err != nil {
					t.Fatal(err)
				}
				if info.Size != int64(n) || info.SHA256 != hex.EncodeToString(sum[:]) {
					t.Fatalf("PutRawBytes = %+v, want size %d sha %x", info, n, sum)
				}
				r, err := b.OpenRaw(ctx, name)
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(r)
				r.Close()
				if err != nil || !bytes.Equal(got, data[:n]) {
					t.Fatalf("OpenRaw after put %d: %d bytes, %v; want the %d bytes put", i+1, len(got), err, n)
				}
			}
			// A third put leaves the stream as the second did.
			before := streamBytes()
			if _, err := b.PutRawBytes(ctx, name, data[:n]); err != nil {
				t.Fatal(err)
			}
			if after := streamBytes(); after != before {
				t.Errorf("storing %d bytes again grew the raw bucket from %d to %d bytes", n, before, after)
			}
		})
	}
	if _, err := b.PutRawBytes(ctx, "big", make([]byte, bus.PutRawBytesMax+1)); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("PutRawBytes over the limit: %v", err)
	}
}

// listeningBus starts an embedded bus that also listens on loopback, and
// a JetStream client of the test's own on it.
func listeningBus(t *testing.T) (*bus.Bus, jetstream.JetStream) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	b, err := bus.Connect(context.Background(), bus.Options{StoreDir: t.TempDir(), Listen: addr, Name: t.Name(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	nc, err := nats.Connect("nats://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return b, js
}

// TestPublishAsync: events published one after another without waiting
// are stored in that order, each acknowledged; the same event again is
// acknowledged as a duplicate and not stored twice.
func TestPublishAsync(t *testing.T) {
	b, _ := listeningBus(t)
	ctx := context.Background()
	cons, err := b.WorkerConsumer(ctx, bus.ConsumerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 50
	var waits []func(context.Context) (bool, error)
	for i := range n + 1 {
		ev := bus.Event{CampaignID: "c1", MailboxID: "c1/a@163.com", UIDValidity: 7, UID: uint32(i%n + 1)}
		wait, err := b.PublishAsync(ev)
		if err != nil {
			t.Fatal(err)
		}
		waits = append(waits, wait)
	}
	for i, wait := range waits {
		dup, err := wait(ctx)
		if err != nil || dup != (i == n) {
			t.Fatalf("event %d: duplicate %v, %v", i, dup, err)
		}
	}
	if backlog, err := b.Backlog(ctx); err != nil || backlog != n {
		t.Fatalf("%d events stored (%v), want %d", backlog, err, n)
	}
	batch, err := cons.Fetch(n, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var got []uint32
	for m := range batch.Messages() {
		var ev bus.Event
		if err := json.Unmarshal(m.Data(), &ev); err != nil {
			t.Fatal(err)
		}
		got = append(got, ev.UID)
	}
	if len(got) != n {
		t.Fatalf("%d events stored, want %d", len(got), n)
	}
	for i, uid := range got {
		if uid != uint32(i+1) {
			t.Fatalf("event %d has UID %d: not in the order published", i, uid)
		}
	}
}
