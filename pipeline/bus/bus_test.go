package bus_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/pipeline/bus/bustest"
)

// setups runs each test on an embedded server and on the machine's real
// NATS JetStream server.
var setups = []struct {
	name string
	open func(testing.TB) *bus.Bus
}{
	{"embedded", bustest.Embedded},
	{"external", bustest.External},
}

func TestRawRoundTrip(t *testing.T) {
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			b := s.open(t)
			ctx := context.Background()
			data := make([]byte, 2*bus.SegmentSize+17) // three segments
			rand.NewChaCha8([32]byte{1}).Read(data)
			sum := sha256.Sum256(data)
			info, err := b.PutRaw(ctx, "c1/a@163.com/7/1", bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if info.Size != int64(len(data)) || info.SHA256 != hex.EncodeToString(sum[:]) {
				t.Fatalf("PutRaw = %+v, want size %d sha %x", info, len(data), sum)
			}
			r, err := b.OpenRaw(ctx, "c1/a@163.com/7/1")
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			r.Close()
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("OpenRaw: %d bytes, err %v; want the %d bytes put", len(got), err, len(data))
			}
			if _, err := b.OpenRaw(ctx, "missing"); !errors.Is(err, bus.ErrNotFound) {
				t.Fatalf("OpenRaw(missing) = %v, want ErrNotFound", err)
			}
			// Exactly one segment's worth, and nothing at all.
			for _, n := range []int{bus.SegmentSize, 0} {
				info, err := b.PutRaw(ctx, "edge", bytes.NewReader(data[:n]))
				if err != nil || info.Size != int64(n) {
					t.Fatalf("PutRaw(%d bytes) = %+v, %v", n, info, err)
				}
				r, err := b.OpenRaw(ctx, "edge")
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(r)
				r.Close()
				if err != nil || !bytes.Equal(got, data[:n]) {
					t.Fatalf("OpenRaw(%d bytes): got %d bytes, %v", n, len(got), err)
				}
			}
		})
	}
}

func TestPublishDedupAndConsume(t *testing.T) {
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			b := s.open(t)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cons, err := b.WorkerConsumer(ctx, bus.ConsumerOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ev := bus.Event{CampaignID: "c1", MailboxID: "c1/a@163.com", UIDValidity: 7, UID: 1, Object: "c1/a@163.com/7/1", Size: 10, SHA256: "ab", InternalDate: time.Date(2026, 6, 8, 1, 2, 3, 0, time.UTC)}
			if dup, err := b.Publish(ctx, ev); err != nil || dup {
				t.Fatalf("first publish: dup=%v err=%v", dup, err)
			}
			if dup, err := b.Publish(ctx, ev); err != nil || !dup {
				t.Fatalf("republish: dup=%v err=%v; want a duplicate", dup, err)
			}
			ev2 := ev
			ev2.UID = 2
			if _, err := b.Publish(ctx, ev2); err != nil {
				t.Fatal(err)
			}
			if n, err := b.Backlog(ctx); err != nil || n != 2 {
				t.Fatalf("Backlog = %d, %v; want 2", n, err)
			}
			batch, err := cons.Fetch(10, jetstream.FetchMaxWait(5*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			var got []bus.Event
			for m := range batch.Messages() {
				var e bus.Event
				if err := json.Unmarshal(m.Data(), &e); err != nil {
					t.Fatal(err)
				}
				got = append(got, e)
				if err := m.DoubleAck(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if len(got) != 2 || !reflect.DeepEqual(got[0], ev) || got[1].UID != 2 {
				t.Fatalf("consumed %+v, want the two distinct events", got)
			}
			if n, err := b.Backlog(ctx); err != nil || n != 0 {
				t.Fatalf("Backlog after ack = %d, %v; want 0", n, err)
			}
		})
	}
}

func TestPutFileContentAddressed(t *testing.T) {
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			b := s.open(t)
			ctx := context.Background()
			data := []byte("统计表内容")
			sum := sha256.Sum256(data)
			name := hex.EncodeToString(sum[:])
			for i := 0; i < 2; i++ {
				if err := b.PutFile(ctx, name, int64(len(data)), bytes.NewReader(data)); err != nil {
					t.Fatal(err)
				}
			}
			r, err := b.OpenFile(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			got, _ := io.ReadAll(r)
			if !bytes.Equal(got, data) {
				t.Fatalf("OpenFile = %q", got)
			}
		})
	}
}

// TestEmbeddedRestartKeepsData stops the embedded server and starts a new
// one on the same directory: the stream, consumer position and objects
// survive, as they must across a crash of the single binary.
func TestEmbeddedRestartKeepsData(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	b1 := bustest.EmbeddedAt(t, dir)
	if _, err := b1.PutRaw(ctx, "o1", bytes.NewReader([]byte("raw message"))); err != nil {
		t.Fatal(err)
	}
	if _, err := b1.WorkerConsumer(ctx, bus.ConsumerOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := b1.Publish(ctx, bus.Event{CampaignID: "c", MailboxID: "m", UIDValidity: 1, UID: 1, Object: "o1"}); err != nil {
		t.Fatal(err)
	}
	b1.Close()
	b2 := bustest.EmbeddedAt(t, dir)
	if n, err := b2.Backlog(ctx); err != nil || n != 1 {
		t.Fatalf("after restart Backlog = %d, %v; want 1", n, err)
	}
	r, err := b2.OpenRaw(ctx, "o1")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if string(got) != "raw message" {
		t.Fatalf("raw after restart = %q", got)
	}
	// The republish after a restart (crash before the checkpoint) is still
	// recognised as a duplicate.
	if dup, err := b2.Publish(ctx, bus.Event{CampaignID: "c", MailboxID: "m", UIDValidity: 1, UID: 1, Object: "o1"}); err != nil || !dup {
		t.Fatalf("republish after restart: dup=%v err=%v", dup, err)
	}
}
