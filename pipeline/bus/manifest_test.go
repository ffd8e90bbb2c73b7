package bus_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/pipeline/bus/bustest"
)

// TestManifestMetadata: a manifest written now is also its object's
// metadata (read with one request); a manifest written before, without
// it, is still read from the object.
func TestManifestMetadata(t *testing.T) {
	t.Parallel()
	b := bustest.External(t)
	ctx := context.Background()
	nc, err := nats.Connect(bustest.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	files, err := js.ObjectStore(ctx, b.Names().BucketFiles)
	if err != nil {
		t.Fatal(err)
	}

	data := []byte("活动总结.docx bytes")
	sum := sha256.Sum256(data)
	name := hex.EncodeToString(sum[:])
	if err := b.PutFile(ctx, name, int64(len(data)), bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	info, err := files.GetInfo(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"shoubao-segments": "1", "shoubao-size": fmt.Sprint(len(data)), "shoubao-sha256": name}
	for k, v := range want {
		if info.Metadata[k] != v {
			t.Errorf("manifest metadata %s = %q, want %q (all: %v)", k, info.Metadata[k], v, info.Metadata)
		}
	}
	readBack(t, b, name, data)

	// The way manifests were written before: JSON content only.
	old := []byte("a file stored by an earlier version")
	osum := sha256.Sum256(old)
	oname := hex.EncodeToString(osum[:])
	if _, err := files.PutBytes(ctx, oname+"/seg/000000", old); err != nil {
		t.Fatal(err)
	}
	if _, err := files.PutBytes(ctx, oname, fmt.Appendf(nil, `{"segments":1,"size":%d,"sha256":%q}`, len(old), oname)); err != nil {
		t.Fatal(err)
	}
	readBack(t, b, oname, old)
	// PutFile finds it there and does not write it again.
	before, _ := files.GetInfo(ctx, oname)
	if err := b.PutFile(ctx, oname, int64(len(old)), bytes.NewReader(old)); err != nil {
		t.Fatal(err)
	}
	if after, _ := files.GetInfo(ctx, oname); after.NUID != before.NUID {
		t.Errorf("PutFile wrote an existing file again")
	}
}

func readBack(t *testing.T, b *bus.Bus, name string, want []byte) {
	t.Helper()
	r, err := b.OpenFile(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("OpenFile(%s) = %q, %v; want %q", name, got, err, want)
	}
}
