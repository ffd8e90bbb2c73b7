package bus

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// SegmentSize is the most data one object holds. A message or file is
// stored as consecutive segment objects and, written last, a manifest
// object naming them.
//
// Why: ObjectStore.Put publishes chunks asynchronously with up to 4000
// unacknowledged (512 MB at 128 KB a chunk), while a stream buffers at most
// 128 MB of ingest before it answers "429 too many requests"; a 500 MB
// video would fail, and the server would hold the backlog in memory. Each
// Put waits for all its acknowledgements before returning, so a segment
// bounds both.
const SegmentSize = 8 << 20

// manifest describes the item stored at a name. It is the metadata of the
// object at that name (metaSegments, metaSize, metaSHA256) and, for an
// item stored as segments, also that object's JSON content.
//
// An item has one of two layouts:
//
//   - Segments ≥ 1: the item's bytes are in the objects
//     segmentName(name, 0 … Segments-1) and the object at name is the
//     manifest (putSegmented; PutRawBytes before single objects). A
//     manifest written before manifests were metadata too has only the
//     JSON content.
//   - Segments == 0 (metadata "shoubao-segments: 0"): the object at name
//     is the item itself, its data the item's bytes (PutRawBytes, for a
//     message of at most PutRawBytesMax): 2 JetStream messages for a
//     small message, the chunk and the metadata, instead of 4.
type manifest struct {
	Segments int    `json:"segments"`
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256"`
}

// single says whether the item is the object at its name (Segments 0).
func (m manifest) single() bool { return m.Segments == 0 }

// parts is the number of objects holding the item's bytes.
func (m manifest) parts() int { return max(m.Segments, 1) }

// part is the name of the object holding part i of the item's bytes.
func (m manifest) part(name string, i int) string {
	if m.single() {
		return name
	}
	return segmentName(name, i)
}

func segmentName(name string, i int) string { return fmt.Sprintf("%s/seg/%06d", name, i) }

// putSegmented stores r under name in segments, then writes the manifest.
// A reader that fails midway leaves no manifest, so nothing half-written is
// ever read back.
func putSegmented(ctx context.Context, obs jetstream.ObjectStore, name string, r io.Reader) (manifest, error) {
	h := sha256.New()
	var m manifest
	for {
		lr := &io.LimitedReader{R: io.TeeReader(r, h), N: SegmentSize}
		info, err := putSegment(ctx, obs, segmentName(name, m.Segments), lr)
		if err != nil {
			return manifest{}, err
		}
		m.Segments++
		m.Size += int64(info.Size)
		if info.Size < SegmentSize {
			break
		}
	}
	m.SHA256 = hex.EncodeToString(h.Sum(nil))
	data, err := json.Marshal(m)
	if err != nil {
		return manifest{}, err
	}
	// The manifest is also the object's metadata, which readManifest gets
	// with one request instead of reading the object (a consumer each).
	meta := jetstream.ObjectMeta{Name: name, Metadata: map[string]string{
		metaSegments: strconv.Itoa(m.Segments), metaSize: strconv.FormatInt(m.Size, 10), metaSHA256: m.SHA256}}
	if _, err := call(ctx, func(ctx context.Context) (*jetstream.ObjectInfo, error) {
		return obs.Put(ctx, meta, bytes.NewReader(data))
	}); err != nil {
		return manifest{}, err
	}
	return m, nil
}

// readManifest returns the manifest of name, in either layout, or
// ErrNotFound.
func readManifest(ctx context.Context, obs jetstream.ObjectStore, name string) (manifest, error) {
	info, err := call(ctx, func(ctx context.Context) (*jetstream.ObjectInfo, error) { return obs.GetInfo(ctx, name) })
	if err != nil {
		if errors.Is(err, jetstream.ErrObjectNotFound) {
			return manifest{}, ErrNotFound
		}
		return manifest{}, err
	}
	if m, ok := manifestOf(info.Metadata); ok {
		return m, nil
	}
	// Written before manifests were metadata too: read the object.
	data, err := call(ctx, func(ctx context.Context) ([]byte, error) { return obs.GetBytes(ctx, name) })
	if err != nil {
		if errors.Is(err, jetstream.ErrObjectNotFound) {
			return manifest{}, ErrNotFound
		}
		return manifest{}, err
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil || m.Segments < 1 {
		return manifest{}, fmt.Errorf("manifest of %s is damaged", name)
	}
	return m, nil
}

// The manifest's fields in its object's metadata.
const (
	metaSegments = "shoubao-segments"
	metaSize     = "shoubao-size"
	metaSHA256   = "shoubao-sha256"
)

// manifestOf reads a manifest from its object's metadata: Segments 0 for
// an item stored as the object itself, at least 1 for one in segments.
func manifestOf(md map[string]string) (manifest, bool) {
	segs, err1 := strconv.Atoi(md[metaSegments])
	size, err2 := strconv.ParseInt(md[metaSize], 10, 64)
	if err1 != nil || err2 != nil || segs < 0 || size < 0 || len(md[metaSHA256]) != 64 {
		return manifest{}, false
	}
	return manifest{Segments: segs, Size: size, SHA256: md[metaSHA256]}, true
}

// openSegmented streams the item's segments in order, opening each only
// when the previous one is read (or the object at name itself, for an item
// stored as one object), and checks size and SHA-256 at the end.
func openSegmented(ctx context.Context, obs jetstream.ObjectStore, name string) (io.ReadCloser, error) {
	m, err := readManifest(ctx, obs, name)
	if err != nil {
		return nil, err
	}
	return &segmentReader{ctx: ctx, obs: obs, name: name, m: m, h: sha256.New()}, nil
}

type segmentReader struct {
	ctx  context.Context
	obs  jetstream.ObjectStore
	name string
	m    manifest
	h    hash.Hash
	next int
	n    int64
	cur  jetstream.ObjectResult
	err  error
}

func (s *segmentReader) Read(p []byte) (int, error) {
	for s.err == nil {
		if s.cur == nil {
			if s.next == s.m.parts() {
				s.err = s.verify()
				break
			}
			res, err := getSegment(s.ctx, s.obs, s.m.part(s.name, s.next))
			if err != nil {
				s.err = fmt.Errorf("segment %d of %s: %w", s.next, s.name, err)
				break
			}
			s.cur, s.next = res, s.next+1
		}
		n, err := s.cur.Read(p)
		s.h.Write(p[:n])
		s.n += int64(n)
		if err == io.EOF {
			s.cur.Close()
			s.cur = nil
			if n > 0 {
				return n, nil
			}
			continue
		}
		if err != nil {
			s.err = fmt.Errorf("segment %d of %s: %w", s.next-1, s.name, unavailable(s.ctx, err))
		}
		return n, s.err
	}
	return 0, s.err
}

func (s *segmentReader) verify() error {
	if s.n != s.m.Size || hex.EncodeToString(s.h.Sum(nil)) != s.m.SHA256 {
		return fmt.Errorf("%s: read %d bytes that do not match the manifest (%d bytes, sha256 %s)", s.name, s.n, s.m.Size, s.m.SHA256)
	}
	return io.EOF
}

func (s *segmentReader) Close() error {
	if s.cur != nil {
		s.cur.Close()
		s.cur = nil
	}
	return nil
}

// segmentTimeout bounds the writing of one segment (up to SegmentSize).
const segmentTimeout = 2 * time.Minute

// putSegment writes one segment, within segmentTimeout. The bound is a
// cancellation, not a deadline: given a deadline, ObjectStore.Put waits
// for every chunk's acknowledgement until it, and one lost with the server
// that was to send it (a node of the cluster stopping) would hold the
// segment for all of segmentTimeout; without, the client gives up on it
// after its own timeout (5s) and the caller tries again.
func putSegment(ctx context.Context, obs jetstream.ObjectStore, name string, r io.Reader) (*jetstream.ObjectInfo, error) {
	nctx, stop := withoutDeadline(ctx)
	defer stop()
	rctx, cancel := context.WithCancelCause(nctx)
	defer cancel(nil)
	t := time.AfterFunc(segmentTimeout, func() { cancel(errRequestTimeout) })
	defer t.Stop()
	info, err := obs.Put(rctx, jetstream.ObjectMeta{Name: name}, r)
	if err != nil && errors.Is(context.Cause(rctx), errRequestTimeout) {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, errRequestTimeout)
	}
	return info, unavailable(rctx, err)
}

// getSegment opens one segment for reading. Opening is a request bounded
// by RequestTimeout; the reading that follows is paced by the reader and
// bounded by ctx alone.
func getSegment(ctx context.Context, obs jetstream.ObjectStore, name string) (jetstream.ObjectResult, error) {
	rctx, cancel := context.WithCancelCause(ctx)
	t := time.AfterFunc(RequestTimeout, func() { cancel(errRequestTimeout) })
	res, err := obs.Get(rctx, name)
	if !t.Stop() || err != nil {
		if err == nil {
			// The timer fired just as the reply came: the result's
			// context is gone.
			res.Close()
			err = context.DeadlineExceeded
		}
		cancel(nil)
		if errors.Is(context.Cause(rctx), errRequestTimeout) {
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, errRequestTimeout)
		}
		return nil, unavailable(rctx, err)
	}
	return &closeCancel{ObjectResult: res, cancel: cancel}, nil
}

// closeCancel releases the segment's context when the segment is closed.
type closeCancel struct {
	jetstream.ObjectResult
	cancel context.CancelCauseFunc
}

func (c *closeCancel) Close() error {
	err := c.ObjectResult.Close()
	c.cancel(nil)
	return err
}
