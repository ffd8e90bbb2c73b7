package bus_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/shoubao/shoubao/pipeline/bus"
)

// TestPutRawBytesOneObject: a message stored by PutRawBytes is one object
// of the raw bucket (2 JetStream messages for a message of one chunk: the
// chunk and the metadata), whose metadata says so, and no segment.
func TestPutRawBytesOneObject(t *testing.T) {
	b, js := listeningBus(t)
	ctx := context.Background()
	obs, err := js.ObjectStore(ctx, b.Names().BucketRaw)
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("From: a@163.com\r\nSubject: 报送\r\n\r\n正文\r\n")
	name := "c1/a@163.com/7/1"
	if _, err := b.PutRawBytes(ctx, name, data); err != nil {
		t.Fatal(err)
	}
	if msgs, _ := rawStream(t, js, b); msgs != 2 {
		t.Errorf("the raw bucket holds %d messages after storing one small message, want 2 (chunk, metadata)", msgs)
	}
	info, err := obs.GetInfo(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	want := map[string]string{"shoubao-segments": "0", "shoubao-size": fmt.Sprint(len(data)), "shoubao-sha256": hex.EncodeToString(sum[:])}
	for k, v := range want {
		if info.Metadata[k] != v {
			t.Errorf("metadata %s = %q, want %q (all: %v)", k, info.Metadata[k], v, info.Metadata)
		}
	}
	if got, err := obs.GetBytes(ctx, name); err != nil || !bytes.Equal(got, data) {
		t.Errorf("the object's data: %q, %v; want the message", got, err)
	}
	if _, err := obs.GetInfo(ctx, name+"/seg/000000"); !errors.Is(err, jetstream.ErrObjectNotFound) {
		t.Errorf("a segment object exists: %v", err)
	}
	readRaw(t, b, name, data)
}

// TestRawLayouts: items stored in the layouts written before single
// objects (segment and manifest by PutRawBytes, by PutRaw, and a manifest
// with JSON content only) are read by OpenRaw; storing each name again
// with PutRawBytes leaves one object of 2 messages, its former segment
// purged; PutRaw over a single object leaves no chunk of it behind.
func TestRawLayouts(t *testing.T) {
	b, js := listeningBus(t)
	ctx := context.Background()
	obs, err := js.ObjectStore(ctx, b.Names().BucketRaw)
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 200<<10) // two chunks
	rand.NewChaCha8([32]byte{3}).Read(data)
	layouts := []struct {
		name  string
		store func(name string, data []byte) error
	}{
		{"PutRawBytes segment+manifest", func(name string, data []byte) error {
			return bus.PutRawBytesSegmented(ctx, b, name, data)
		}},
		{"PutRaw", func(name string, data []byte) error {
			_, err := b.PutRaw(ctx, name, bytes.NewReader(data))
			return err
		}},
		{"JSON manifest", func(name string, data []byte) error {
			if _, err := obs.PutBytes(ctx, name+"/seg/000000", data); err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			_, err := obs.PutBytes(ctx, name, fmt.Appendf(nil, `{"segments":1,"size":%d,"sha256":"%x"}`, len(data), sum))
			return err
		}},
	}
	for i, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			for _, n := range []int{0, 3000, len(data)} {
				name := fmt.Sprintf("c1/a@163.com/7/%d-%d", i, n)
				before, _ := rawStream(t, js, b)
				if err := l.store(name, data[:n]); err != nil {
					t.Fatal(err)
				}
				readRaw(t, b, name, data[:n])
				if _, err := b.PutRawBytes(ctx, name, data[:n]); err != nil {
					t.Fatal(err)
				}
				readRaw(t, b, name, data[:n])
				chunks := uint64((n + 128<<10 - 1) / (128 << 10))
				if after, _ := rawStream(t, js, b); after != before+chunks+1 {
					t.Errorf("%d bytes: the raw bucket grew by %d messages, want %d (one object's chunks and metadata)", n, after-before, chunks+1)
				}
				if info, err := obs.GetInfo(ctx, name); err != nil || info.Metadata["shoubao-segments"] != "0" {
					t.Errorf("%d bytes stored again: %+v, %v; want one object", n, info, err)
				}
				if _, err := obs.GetInfo(ctx, name+"/seg/000000", jetstream.GetObjectInfoShowDeleted()); !errors.Is(err, jetstream.ErrObjectNotFound) {
					t.Errorf("%d bytes stored again: the former segment is still there (%v)", n, err)
				}

				// And back: PutRaw over the single object.
				before, _ = rawStream(t, js, b)
				if _, err := b.PutRaw(ctx, name, bytes.NewReader(data[:n])); err != nil {
					t.Fatal(err)
				}
				readRaw(t, b, name, data[:n])
				// The segment's chunks and metadata, the manifest's chunk
				// and metadata, in place of the single object's chunks and
				// metadata.
				if after, _ := rawStream(t, js, b); after != before+2 {
					t.Errorf("%d bytes: PutRaw over a single object: %d messages, then %d", n, before, after)
				}
			}
		})
	}
}

// rawStream returns how many messages and bytes the raw bucket's stream
// holds.
func rawStream(t *testing.T, js jetstream.JetStream, b *bus.Bus) (msgs, size uint64) {
	t.Helper()
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

func readRaw(t *testing.T, b *bus.Bus, name string, want []byte) {
	t.Helper()
	r, err := b.OpenRaw(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("OpenRaw(%s): %d bytes, %v; want the %d bytes stored", name, len(got), err, len(want))
	}
}
