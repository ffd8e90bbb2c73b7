package bus

// Storing a raw message under a name already stored: PutRawBytes writes
// one object (manifest Segments 0) where an earlier write may have left a
// segment+manifest item, or an object whose chunks ObjectStore.Put named
// at random. The new object replaces the former (rollup); what only the
// former referred to is purged here so that it is not kept forever.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// chunkSubject is the subject of the chunks of the object whose NUID is
// nuid, as ObjectStore names it.
func chunkSubject(bucket, nuid string) string { return "$O." + bucket + ".C." + nuid }

// metaSubject is the subject of the metadata of object name, as
// ObjectStore names it.
func metaSubject(bucket, name string) string {
	return "$O." + bucket + ".M." + base64.URLEncoding.EncodeToString([]byte(name))
}

// isWrongLastSequence says whether err is the server refusing a message
// whose expected last sequence on its subject was not the subject's.
func isWrongLastSequence(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}

// replaceRaw stores data as the single object name (metadata md) over an
// object of that name already there, then purges what the former object
// alone referred to: its chunks when ObjectStore.Put wrote them (under a
// NUID of its own), and the segments of a segment+manifest item. Segments
// are purged after the new object is stored, so a reader never finds a
// manifest without its segments; should that purge fail (or the process
// stop before it), the caller's next attempt stores the name again and
// purges them then: segment objects are looked for from 0 on whatever
// the former object says.
func (b *Bus) replaceRaw(ctx context.Context, name string, data []byte, sum [32]byte, md map[string]string) error {
	old, err := call(ctx, func(ctx context.Context) (*jetstream.ObjectInfo, error) { return b.raw.GetInfo(ctx, name) })
	if err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
		return fmt.Errorf("replace: %w", err)
	}
	segments := 0
	if old != nil {
		segments = b.oldSegments(ctx, old)
	}
	if err := b.putObjectBytes(ctx, name, data, sum, md, false); err != nil {
		return err
	}
	id := chunkID(name)
	var st jetstream.Stream
	purge := func(subject string) error {
		if st == nil {
			if st, err = call(ctx, func(ctx context.Context) (jetstream.Stream, error) {
				return b.js.Stream(ctx, "OBJ_"+b.names.BucketRaw)
			}); err != nil {
				return err
			}
		}
		_, err := call(ctx, func(ctx context.Context) (struct{}, error) {
			return struct{}{}, st.Purge(ctx, jetstream.WithPurgeSubject(subject))
		})
		return err
	}
	// The new chunks' rollup replaced the former on the subject of id;
	// an empty message has no chunk to do it.
	if old != nil && (old.NUID != id || len(data) == 0) && !old.Deleted {
		if err := purge(chunkSubject(b.names.BucketRaw, old.NUID)); err != nil {
			return fmt.Errorf("replace: purge the former chunks: %w", err)
		}
	}
	for i := 0; ; i++ {
		seg := segmentName(name, i)
		info, err := call(ctx, func(ctx context.Context) (*jetstream.ObjectInfo, error) { return b.raw.GetInfo(ctx, seg) })
		if errors.Is(err, jetstream.ErrObjectNotFound) {
			if i >= segments {
				return nil
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("replace: %w", err)
		}
		if err := purge(chunkSubject(b.names.BucketRaw, info.NUID)); err != nil {
			return fmt.Errorf("replace: purge %s: %w", seg, err)
		}
		if err := purge(metaSubject(b.names.BucketRaw, seg)); err != nil {
			return fmt.Errorf("replace: purge %s: %w", seg, err)
		}
	}
}

// oldSegments is the number of segments the former object old names: its
// metadata's, or its JSON content's for a manifest written before
// manifests were metadata too (its chunks, written by ObjectStore.Put
// under a NUID of their own, are still there), or 0.
func (b *Bus) oldSegments(ctx context.Context, old *jetstream.ObjectInfo) int {
	if m, ok := manifestOf(old.Metadata); ok {
		return m.Segments
	}
	if old.NUID == chunkID(old.Name) || old.Size > 1<<10 {
		return 0
	}
	data, err := call(ctx, func(ctx context.Context) ([]byte, error) { return b.raw.GetBytes(ctx, old.Name) })
	var m manifest
	if err != nil || json.Unmarshal(data, &m) != nil {
		return 0
	}
	return max(m.Segments, 0)
}
