package bus

// Pipelined writes, for a poller storing many small messages: several
// messages' writes are in flight on the one connection instead of one
// round trip after another.

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// PutRawBytesMax is the largest message PutRawBytes takes.
const PutRawBytesMax = 1 << 20

// rawChunkSize is the size of the chunks PutRawBytes writes, as
// ObjectStore.Put's default (the server's max_payload is 1 MB).
const rawChunkSize = 128 << 10

// PutRawBytes stores a raw message held in memory (at most
// PutRawBytesMax) under name as one object whose data is the message and
// whose metadata says so (metaSegments "0", see manifest), in one round
// trip to the server: the object's chunks and metadata are published
// asynchronously on the bus's JetStream context and their
// acknowledgements awaited. That is 2 JetStream messages for a message of
// up to a chunk (128 KiB), where the segment and manifest of PutRaw take
// 4. PutRaw makes about eight round trips (ObjectStore.Put looks the name
// up first and subscribes for acknowledgements of its own, for each
// object), which makes it a thousand small messages a second at best on
// one core; concurrent PutRawBytes calls share the connection and
// pipeline.
//
// The chunks of name go to a subject derived from name, the first one
// with a rollup header, so that storing the same name again (a poller
// that stopped before its checkpoint) replaces the former chunks instead
// of leaving them unreferenced. The metadata message expects its subject
// to be empty: when the name is already stored (see replaceRaw), it is
// stored again with a rollup and what the former object alone referred to
// (the segments of a segment+manifest item, chunks written by
// ObjectStore.Put) is purged.
func (b *Bus) PutRawBytes(ctx context.Context, name string, data []byte) (RawInfo, error) {
	if len(data) > PutRawBytesMax {
		return RawInfo{}, fmt.Errorf("put raw %s: %d bytes, more than %d", name, len(data), PutRawBytesMax)
	}
	sum := sha256.Sum256(data)
	ri := RawInfo{Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
	md := map[string]string{metaSegments: "0", metaSize: strconv.FormatInt(ri.Size, 10), metaSHA256: ri.SHA256}
	err := b.putObjectBytes(ctx, name, data, sum, md, true)
	if isWrongLastSequence(err) {
		err = b.replaceRaw(ctx, name, data, sum, md)
	}
	if err != nil {
		return RawInfo{}, fmt.Errorf("put raw %s: %w", name, err)
	}
	return ri, nil
}

// putObjectBytes writes one object of the raw bucket (chunks, then the
// metadata message, as ObjectStore.Put does) and waits for the server to
// acknowledge every message, within RequestTimeout. With fresh, the
// metadata message is stored only if no object of that name was ever
// stored (an error isWrongLastSequence says otherwise); without, it
// replaces the former.
func (b *Bus) putObjectBytes(ctx context.Context, name string, data []byte, sum [32]byte, metadata map[string]string, fresh bool) error {
	bucket := b.names.BucketRaw
	id := chunkID(name)
	chunkSubj := chunkSubject(bucket, id)
	var futures []jetstream.PubAckFuture
	chunks := 0
	for off := 0; off < len(data); off += rawChunkSize {
		m := nats.NewMsg(chunkSubj)
		if chunks == 0 {
			m.Header.Set(jetstream.MsgRollup, jetstream.MsgRollupSubject)
		}
		m.Data = data[off:min(off+rawChunkSize, len(data))]
		f, err := b.js.PublishMsgAsync(m)
		if err != nil {
			return unavailable(ctx, err)
		}
		futures = append(futures, f)
		chunks++
	}
	info := jetstream.ObjectInfo{
		ObjectMeta: jetstream.ObjectMeta{Name: name, Metadata: metadata, Opts: &jetstream.ObjectMetaOptions{ChunkSize: rawChunkSize}},
		Bucket:     bucket, NUID: id, Size: uint64(len(data)), Chunks: uint32(chunks),
		Digest: "SHA-256=" + base64.URLEncoding.EncodeToString(sum[:]),
	}
	meta, err := json.Marshal(info)
	if err != nil {
		return err
	}
	mm := nats.NewMsg(metaSubject(bucket, name))
	mm.Header.Set(jetstream.MsgRollup, jetstream.MsgRollupSubject)
	if fresh {
		mm.Header.Set(jetstream.ExpectedLastSubjSeqHeader, "0")
	}
	mm.Data = meta
	f, err := b.js.PublishMsgAsync(mm)
	if err != nil {
		return unavailable(ctx, err)
	}
	futures = append(futures, f)
	rctx, cancel := request(ctx)
	defer cancel()
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return unavailable(rctx, err)
		case <-rctx.Done():
			return unavailable(rctx, rctx.Err())
		}
	}
	return nil
}

// chunkID is the NUID-like token naming the chunks of object name: the
// same for the same name, so that a second put's rollup replaces the
// first's chunks.
func chunkID(name string) string {
	h := sha256.Sum256([]byte(name))
	return "r" + hex.EncodeToString(h[:16])
}

// PublishAsync publishes an event as Publish does but returns once it is
// sent; wait waits for the server's acknowledgement (within
// RequestTimeout of its call) and says whether the server had already
// stored the event. The server handles one connection's messages in
// order, so events published one after another are stored in that order
// unless one fails.
func (b *Bus) PublishAsync(ev Event) (wait func(ctx context.Context) (duplicate bool, err error), err error) {
	data, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	m := nats.NewMsg(b.names.SubjectPrefix + ev.CampaignID)
	m.Data = data
	f, err := b.js.PublishMsgAsync(m, jetstream.WithMsgID(ev.ID()))
	if err != nil {
		return nil, fmt.Errorf("publish %s: %w", ev.ID(), unavailable(context.Background(), err))
	}
	return func(ctx context.Context) (bool, error) {
		rctx, cancel := request(ctx)
		defer cancel()
		select {
		case ack := <-f.Ok():
			return ack.Duplicate, nil
		case err := <-f.Err():
			return false, fmt.Errorf("publish %s: %w", ev.ID(), unavailable(rctx, err))
		case <-rctx.Done():
			return false, fmt.Errorf("publish %s: %w", ev.ID(), unavailable(rctx, rctx.Err()))
		}
	}, nil
}
