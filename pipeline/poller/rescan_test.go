package poller_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/pipeline/poller"
	"github.com/shoubao/shoubao/sinks"
)

// TestRescanRelocates resets the folder's UIDVALIDITY with the same
// messages in another order (one of them larger than what the poller
// reads into memory): the rescan puts no raw object and publishes no
// event for the messages stored already, moves each stored copy to its new
// UID, and post-processing then flags exactly the right messages.
func TestRescanRelocates(t *testing.T) {
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, s.start(t))
			var addr string
			b.bus, b.cons, addr = listeningBus(t)
			ctx := context.Background()
			b.srv.CreateFolder(t, "Reports")
			msgs := [][]byte{message(1, 300), message(2, 1_300_000), message(3, 500)}
			for _, m := range msgs {
				b.srv.Append(t, "Reports", m, time.Now())
			}
			p := b.poller(b.mailbox("", "Reports"), poller.Options{PostProcess: poller.ActionSeen})
			if n, err := p.SyncOnce(ctx); err != nil || n != 3 {
				t.Fatalf("first sync: %d, %v", n, err)
			}
			// The workers store the three; message 2's action has run.
			for _, ev := range b.drain(t) {
				if _, _, err := b.store.SaveMessage(ctx, &sinks.Message{CampaignID: "c1", MailboxID: ev.MailboxID,
					UIDValidity: ev.UIDValidity, UID: ev.UID, RawObject: ev.Object, RawSHA256: ev.SHA256, RawSize: ev.Size,
					InternalDate: ev.InternalDate, Class: "submission"}); err != nil {
					t.Fatal(err)
				}
			}
			items, err := b.store.PendingPostProcess(ctx, "c1/unit@163.com", 10)
			if err != nil || len(items) != 3 {
				t.Fatalf("pending: %+v, %v", items, err)
			}
			if err := b.store.MarkPostProcessed(ctx, []int64{items[1].MessageID}); err != nil {
				t.Fatal(err)
			}
			objects, size := rawBucket(t, addr, b.bus)

			_, newVal := b.srv.Recreate(t, "Reports")
			for _, i := range []int{2, 1, 0} { // new UIDs 1, 2, 3: messages 3, 2, 1
				b.srv.Append(t, "Reports", msgs[i], time.Now())
			}
			if sizes := b.srv.Sizes(t, "Reports"); sizes[1] != int64(len(msgs[2])) || sizes[3] != int64(len(msgs[0])) {
				t.Fatalf("the server numbered the messages otherwise: %v", sizes)
			}
			if n, err := p.SyncOnce(ctx); err != nil || n != 0 {
				t.Fatalf("sync after the reset published %d, err %v; want 0", n, err)
			}
			if evs := b.drain(t); len(evs) != 0 {
				t.Errorf("events after the reset: %+v", evs)
			}
			if o, by := rawBucket(t, addr, b.bus); o != objects || by != size {
				t.Errorf("raw bucket: %d objects, %d bytes after the rescan; %d, %d before", o, by, objects, size)
			}
			stored, err := b.store.Messages(ctx, "c1")
			if err != nil || len(stored) != 3 {
				t.Fatalf("stored: %d, %v", len(stored), err)
			}
			wantUID := map[int64]uint32{int64(len(msgs[0])): 3, int64(len(msgs[1])): 2, int64(len(msgs[2])): 1}
			for _, m := range stored {
				if m.UIDValidity != newVal || m.UID != wantUID[m.RawSize] {
					t.Errorf("message of %d bytes located at %d/%d, want %d/%d", m.RawSize, m.UIDValidity, m.UID, newVal, wantUID[m.RawSize])
				}
			}
			flags := b.srv.Flags(t, "Reports")
			for uid, want := range map[imap.UID]bool{1: true, 2: false, 3: true} {
				if got := slices.Contains(flags[uid], imap.FlagSeen); got != want {
					t.Errorf("uid %d: \\Seen %v, want %v", uid, got, want)
				}
			}
			cp, _ := b.store.LoadCheckpoint(ctx, "c1/unit@163.com")
			if cp.UIDValidity != newVal || cp.LastUID != 3 {
				t.Errorf("checkpoint after the rescan: %+v", cp)
			}
			// A new message after the rescan is put and published as usual.
			b.srv.Append(t, "Reports", message(4, 200), time.Now())
			if n, err := p.SyncOnce(ctx); err != nil || n != 1 {
				t.Fatalf("sync of a new message: %d, %v", n, err)
			}
			if o, _ := rawBucket(t, addr, b.bus); o <= objects {
				t.Errorf("the new message's raw object is missing: %d objects", o)
			}
		})
	}
}

// listeningBus starts an embedded bus that also listens on loopback, so
// that a test can look at its buckets with a client of its own; it returns
// the bus, its worker consumer and its address.
func listeningBus(t *testing.T) (*bus.Bus, jetstream.Consumer, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx := context.Background()
	b, err := bus.Connect(ctx, bus.Options{StoreDir: t.TempDir(), Listen: addr, Name: t.Name(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	cons, err := b.WorkerConsumer(ctx, bus.ConsumerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return b, cons, addr
}

// rawBucket returns how many messages (object chunks and metadata) and
// bytes the raw bucket's stream holds, read over a connection of its own.
func rawBucket(t *testing.T, addr string, b *bus.Bus) (msgs, size uint64) {
	t.Helper()
	nc, err := nats.Connect("nats://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	st, err := js.Stream(context.Background(), "OBJ_"+b.Names().BucketRaw)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs, info.State.Bytes
}

// failingBus fails the put of one mailbox position, once.
type failingBus struct {
	*bus.Bus
	uid    uint32
	failed atomic.Bool
}

func (f *failingBus) fail(name string) error {
	if strings.HasSuffix(name, fmt.Sprintf("/%d", f.uid)) && f.failed.CompareAndSwap(false, true) {
		return errors.New("injected: the bus refused the raw message")
	}
	return nil
}

func (f *failingBus) PutRaw(ctx context.Context, name string, r io.Reader) (bus.RawInfo, error) {
	if err := f.fail(name); err != nil {
		return bus.RawInfo{}, err
	}
	return f.Bus.PutRaw(ctx, name, r)
}

func (f *failingBus) PutRawBytes(ctx context.Context, name string, data []byte) (bus.RawInfo, error) {
	if err := f.fail(name); err != nil {
		return bus.RawInfo{}, err
	}
	return f.Bus.PutRawBytes(ctx, name, data)
}

// TestCheckpointStopsAtFailure: when one message of a sync cannot be
// stored, the events before it are published in order, the checkpoint
// stops just before it (whatever the messages after it did), and the next
// sync publishes it and the rest, each message once.
func TestCheckpointStopsAtFailure(t *testing.T) {
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, s.start(t))
			ctx := context.Background()
			const n = 40
			b.srv.AppendMany(t, "INBOX", n, func(i int) []byte { return message(i+1, 300+i) }, time.Now())
			fb := &failingBus{Bus: b.bus, uid: 13}
			p := poller.New(b.mailbox("", "INBOX"), b.store, fb, poller.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			got, err := p.SyncOnce(ctx)
			if err == nil || !strings.Contains(err.Error(), "injected") || got != 12 {
				t.Fatalf("sync with a failing put: published %d, err %v; want 12 and the injected error", got, err)
			}
			cp, _ := b.store.LoadCheckpoint(ctx, "c1/unit@163.com")
			if cp.LastUID != 12 || cp.LastError == "" {
				t.Fatalf("checkpoint after the failure: %+v; want last UID 12 and the error", cp)
			}
			first := b.drain(t)
			for i, ev := range first {
				if ev.UID != uint32(i+1) {
					t.Fatalf("event %d has UID %d: events out of order", i, ev.UID)
				}
			}
			if got, err := p.SyncOnce(ctx); err != nil || got != n-12 {
				t.Fatalf("next sync: published %d, %v; want %d", got, err, n-12)
			}
			seen := map[uint32]bool{}
			for _, ev := range append(first, b.drain(t)...) {
				if seen[ev.UID] {
					t.Errorf("UID %d published twice", ev.UID)
				}
				seen[ev.UID] = true
				if raw := b.raw(t, ev.Object); !bytes.Equal(raw, message(int(ev.UID), 300+int(ev.UID)-1)) {
					t.Errorf("UID %d: raw bytes differ", ev.UID)
				}
			}
			if len(seen) != n {
				t.Errorf("%d messages published, want %d", len(seen), n)
			}
		})
	}
}
