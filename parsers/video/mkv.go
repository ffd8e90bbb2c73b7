package video

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
)

// Matroska and WebM: EBML elements. The segment's Info holds the duration
// in units of its TimecodeScale; Tracks say which track is video; ffmpeg and
// others also write a DURATION tag per track. Files written to a pipe have no
// duration: then the length is the span of the block timecodes, from the
// earliest block of the first cluster to the end of the last block of the
// last clusters (a recording whose clock starts at 0.148 s is not 0.148 s
// longer). Clusters are skipped by their size; only the first and the last
// few are looked into, header by header.

// EBML IDs we read.
const (
	idEBML            = 0x1A45DFA3
	idDocType         = 0x4282
	idSegment         = 0x18538067
	idInfo            = 0x1549A966
	idTimecodeScale   = 0x2AD7B1
	idDuration        = 0x4489
	idTracks          = 0x1654AE6B
	idTrackEntry      = 0xAE
	idTrackNumber     = 0xD7
	idTrackUID        = 0x73C5
	idTrackType       = 0x83
	idDefaultDuration = 0x23E383
	idVideo           = 0xE0
	idPixelWidth      = 0xB0
	idPixelHeight     = 0xBA
	idTags            = 0x1254C367
	idTag             = 0x7373
	idTargets         = 0x63C0
	idTagTrackUID     = 0x63C5
	idSimpleTag       = 0x67C8
	idTagName         = 0x45A3
	idTagString       = 0x4487
	idCluster         = 0x1F43B675
	idTimecode        = 0xE7
	idSimpleBlock     = 0xA3
	idBlockGroup      = 0xA0
	idBlock           = 0xA1
	idBlockDuration   = 0x9B
)

var ebmlMagic = []byte{0x1A, 0x45, 0xDF, 0xA3}

// isClusterChild reports whether id may appear inside a Cluster; an element
// that may not ends a cluster of unknown size.
func isClusterChild(id uint32) bool {
	switch id {
	case idTimecode, 0xA7, 0xAB, idSimpleBlock, idBlockGroup, 0xAF, 0x5854, 0xEC, 0xBF:
		return true
	}
	return false
}

// vint decodes the EBML variable-length integer at the start of b: its
// length, its value without the length marker, and whether every value bit
// is set (the "unknown size" marker).
func vint(b []byte) (n int, v uint64, allOnes, ok bool) {
	if len(b) == 0 || b[0] == 0 {
		return 0, 0, false, false
	}
	n = bits.LeadingZeros8(b[0]) + 1
	if len(b) < n {
		return 0, 0, false, false
	}
	v = uint64(b[0]) & (0xFF >> n)
	for _, c := range b[1:n] {
		v = v<<8 | uint64(c)
	}
	return n, v, v == 1<<(7*n)-1, true
}

// ebmlID decodes an element ID (1 to 4 bytes, marker kept).
func ebmlID(b []byte) (n int, id uint32, ok bool) {
	if len(b) == 0 || b[0] == 0 {
		return 0, 0, false
	}
	n = bits.LeadingZeros8(b[0]) + 1
	if n > 4 || len(b) < n {
		return 0, 0, false
	}
	for _, c := range b[:n] {
		id = id<<8 | uint32(c)
	}
	return n, id, true
}

// elem is one EBML element in the file.
type elem struct {
	id        uint32
	off, body int64
	end       int64
	unsized   bool // size unknown: runs to the end of its parent
}

// nextElem reads the element header at off inside a parent ending at end.
func (s *source) nextElem(off, end int64) (elem, error) {
	if err := s.step(); err != nil {
		return elem{}, err
	}
	h, err := s.readAt(off, int(min(12, end-off)))
	if err != nil {
		return elem{}, err
	}
	n, id, ok := ebmlID(h)
	if !ok {
		return elem{}, corrupt("mkv: bad element ID at %d", off)
	}
	m, size, unsized, ok := vint(h[n:])
	if !ok {
		return elem{}, corrupt("mkv: bad element size at %d", off)
	}
	e := elem{id: id, off: off, body: off + int64(n+m), unsized: unsized}
	switch {
	case unsized:
		e.end = end
	case size > uint64(end-e.body):
		if end != s.size {
			return elem{}, corrupt("mkv: element %x at %d overruns its parent", id, off)
		}
		s.truncated = true
		e.end = end
	default:
		e.end = e.body + int64(size)
	}
	return e, nil
}

// children calls fn for each element in the in-memory body b.
func (s *source) children(b []byte, fn func(id uint32, data []byte) error) error {
	for len(b) > 0 {
		if err := s.step(); err != nil {
			return err
		}
		n, id, ok := ebmlID(b)
		if !ok {
			return corrupt("mkv: bad element ID")
		}
		m, size, unsized, ok := vint(b[n:])
		if !ok {
			return corrupt("mkv: bad element size")
		}
		b = b[n+m:]
		if unsized || size > uint64(len(b)) {
			size = uint64(len(b))
		}
		if err := fn(id, b[:size]); err != nil {
			return err
		}
		b = b[size:]
	}
	return nil
}

func ebmlUint(b []byte) uint64 {
	var v uint64
	for _, c := range b[:min(len(b), 8)] {
		v = v<<8 | uint64(c)
	}
	return v
}

func ebmlFloat(b []byte) float64 {
	switch len(b) {
	case 4:
		return float64(math.Float32frombits(binary.BigEndian.Uint32(b)))
	case 8:
		return math.Float64frombits(binary.BigEndian.Uint64(b))
	}
	return 0
}

// ebmlDocType returns the DocType of the EBML header at the start of head.
func ebmlDocType(head []byte) string {
	if len(head) < 5 {
		return ""
	}
	m, size, _, ok := vint(head[4:])
	if !ok {
		return ""
	}
	body := head[4+m:]
	body = body[:min(uint64(len(body)), size)]
	doc := ""
	s := &source{ctx: context.Background(), maxSteps: 64}
	_ = s.children(body, func(id uint32, data []byte) error {
		if id == idDocType {
			doc = strings.TrimRight(string(data), "\x00")
		}
		return nil
	})
	return doc
}

type mkvTrack struct {
	number, uid   uint64
	video         bool
	defaultDur    uint64 // nanoseconds per frame
	width, height int
	tagSeconds    float64 // DURATION tag
	blocks        []mkvBlock
}

type mkvBlock struct {
	start  int64 // timecode ticks
	dur    int64 // BlockDuration ticks, -1 when absent
	frames int   // laced frames
}

// maxBlocks bounds the blocks kept per track from the last clusters.
const maxBlocks = 64

type mkvSegment struct {
	scale    uint64  // TimecodeScale, ns per tick
	duration float64 // Info Duration, ticks
	tracks   []*mkvTrack
	clusters []elem // the last few clusters
	first    elem   // the first cluster (id 0: none)
}

// lastClusters is how many clusters from the end are looked into.
const lastClusters = 4

func probeMatroska(s *source) (*Info, error) {
	hdr, err := s.nextElem(0, s.size)
	if err != nil {
		return nil, fmt.Errorf("mkv: %w", err)
	}
	if hdr.id != idEBML || hdr.unsized {
		return nil, corrupt("mkv: no EBML header")
	}
	off := hdr.end
	var seg elem
	for {
		if s.size-off < 2 {
			return nil, fmt.Errorf("mkv: no segment: %w", errTruncated)
		}
		if seg, err = s.nextElem(off, s.size); err != nil {
			return nil, fmt.Errorf("mkv: %w", err)
		}
		if seg.id == idSegment {
			break
		}
		if seg.unsized {
			return nil, corrupt("mkv: unsized element %x before the segment", seg.id)
		}
		off = seg.end
	}
	mk := &mkvSegment{scale: 1_000_000}
	err = s.walkSegment(mk, seg)
	if err != nil && (mk.duration == 0 || len(mk.tracks) == 0) {
		return nil, fmt.Errorf("mkv: %w", err)
	}
	return mk.info(s)
}

func (s *source) walkSegment(mk *mkvSegment, seg elem) error {
	for off := seg.body; seg.end-off >= 2; {
		e, err := s.nextElem(off, seg.end)
		if err != nil {
			return err
		}
		switch e.id {
		case idInfo, idTracks, idTags:
			if e.end-e.body > maxChunk {
				break // a tag store this large holds no duration we need
			}
			b, err := s.readAt(e.body, int(e.end-e.body))
			if err != nil {
				return err
			}
			if err := mk.parse(s, e.id, b); err != nil {
				return err
			}
		case idCluster:
			if e.unsized {
				if e.end, err = s.clusterEnd(e); err != nil {
					return err
				}
			}
			if mk.first.id == 0 {
				mk.first = e
			}
			if len(mk.clusters) == lastClusters {
				mk.clusters = slices.Delete(mk.clusters, 0, 1)
			}
			mk.clusters = append(mk.clusters, e)
		default:
			if e.unsized {
				return corrupt("mkv: unsized element %x", e.id)
			}
		}
		off = e.end
	}
	return nil
}

// clusterEnd finds where a cluster of unknown size ends: at the first
// element that cannot be inside a cluster.
func (s *source) clusterEnd(c elem) (int64, error) {
	off := c.body
	for c.end-off >= 2 {
		e, err := s.nextElem(off, c.end)
		if err != nil {
			return 0, err
		}
		if !isClusterChild(e.id) {
			return off, nil
		}
		if e.unsized {
			return 0, corrupt("mkv: unsized element %x in a cluster", e.id)
		}
		off = e.end
	}
	return c.end, nil
}

// parse reads the Info, Tracks or Tags element body b.
func (mk *mkvSegment) parse(s *source, id uint32, b []byte) error {
	switch id {
	case idInfo:
		return s.children(b, func(id uint32, d []byte) error {
			switch id {
			case idTimecodeScale:
				if v := ebmlUint(d); v > 0 {
					mk.scale = v
				}
			case idDuration:
				mk.duration = ebmlFloat(d)
			}
			return nil
		})
	case idTracks:
		return s.children(b, func(id uint32, d []byte) error {
			if id != idTrackEntry || len(mk.tracks) >= maxTracks {
				return nil
			}
			t := &mkvTrack{}
			mk.tracks = append(mk.tracks, t)
			return s.children(d, func(id uint32, d []byte) error {
				switch id {
				case idTrackNumber:
					t.number = ebmlUint(d)
				case idTrackUID:
					t.uid = ebmlUint(d)
				case idTrackType:
					t.video = ebmlUint(d) == 1
				case idDefaultDuration:
					t.defaultDur = ebmlUint(d)
				case idVideo:
					return s.children(d, func(id uint32, d []byte) error {
						switch id {
						case idPixelWidth:
							t.width = int(min(ebmlUint(d), 1<<20))
						case idPixelHeight:
							t.height = int(min(ebmlUint(d), 1<<20))
						}
						return nil
					})
				}
				return nil
			})
		})
	default: // idTags
		return s.children(b, func(id uint32, d []byte) error {
			if id != idTag {
				return nil
			}
			var uid uint64
			var dur float64
			err := s.children(d, func(id uint32, d []byte) error {
				switch id {
				case idTargets:
					return s.children(d, func(id uint32, d []byte) error {
						if id == idTagTrackUID {
							uid = ebmlUint(d)
						}
						return nil
					})
				case idSimpleTag:
					var name, value string
					err := s.children(d, func(id uint32, d []byte) error {
						switch id {
						case idTagName:
							name = string(d)
						case idTagString:
							value = string(d)
						}
						return nil
					})
					if strings.EqualFold(name, "DURATION") {
						dur = parseClock(value)
					}
					return err
				}
				return nil
			})
			for _, t := range mk.tracks {
				if uid != 0 && t.uid == uid && dur > 0 {
					t.tagSeconds = dur
				}
			}
			return err
		})
	}
}

// parseClock parses "HH:MM:SS.nnnnnnnnn" into seconds, or returns 0.
func parseClock(v string) float64 {
	parts := strings.Split(strings.TrimRight(v, "\x00"), ":")
	if len(parts) != 3 {
		return 0
	}
	h, err1 := strconv.Atoi(parts[0])
	m, err2 := strconv.Atoi(parts[1])
	sec, err3 := strconv.ParseFloat(parts[2], 64)
	if err1 != nil || err2 != nil || err3 != nil || h < 0 || m < 0 || sec < 0 {
		return 0
	}
	return float64(h)*3600 + float64(m)*60 + sec
}

// readBlocks records the block timecodes of one cluster in their tracks.
func (s *source) readBlocks(mk *mkvSegment, c elem) error {
	return s.clusterBlocks(mk, c, func(t *mkvTrack, b mkvBlock) bool {
		t.keep(b)
		return true
	})
}

// firstBlocks is how many blocks of the first cluster are looked at for the
// earliest timecode (B-frames put it a few blocks in).
const firstBlocks = 16

// firstStart returns the earliest block timecode among the first blocks of
// the first cluster, in ticks.
func (s *source) firstStart(mk *mkvSegment) (int64, bool) {
	var first int64
	n := 0
	if mk.first.id == 0 {
		return 0, false
	}
	_ = s.clusterBlocks(mk, mk.first, func(_ *mkvTrack, b mkvBlock) bool {
		if n == 0 || b.start < first {
			first = b.start
		}
		n++
		return n < firstBlocks
	})
	return first, n > 0
}

// clusterBlocks calls fn with each block of cluster c whose track is known,
// until fn returns false.
func (s *source) clusterBlocks(mk *mkvSegment, c elem, fn func(*mkvTrack, mkvBlock) bool) error {
	var base int64
	more := true
	block := func(e elem, dur int64) error {
		h, err := s.readAt(e.body, int(min(12, e.end-e.body)))
		if err != nil {
			return err
		}
		n, track, _, ok := vint(h)
		if !ok || len(h) < n+3 {
			return corrupt("mkv: bad block at %d", e.off)
		}
		t := mk.trackNumber(track)
		if t == nil {
			return nil
		}
		frames := 1
		if h[n+2]&0x06 != 0 && len(h) > n+3 { // laced: frame count - 1 follows
			frames = int(h[n+3]) + 1
		}
		rel := int64(int16(binary.BigEndian.Uint16(h[n:])))
		more = fn(t, mkvBlock{start: base + rel, dur: dur, frames: frames})
		return nil
	}
	for off := c.body; c.end-off >= 2 && more; {
		e, err := s.nextElem(off, c.end)
		if err != nil {
			return err
		}
		switch e.id {
		case idTimecode:
			b, err := s.readAt(e.body, int(min(8, e.end-e.body)))
			if err != nil {
				return err
			}
			base = int64(min(ebmlUint(b), math.MaxInt64/2))
		case idSimpleBlock:
			if err := block(e, -1); err != nil {
				return err
			}
		case idBlockGroup:
			var blk elem
			dur := int64(-1)
			for o := e.body; e.end-o >= 2; {
				g, err := s.nextElem(o, e.end)
				if err != nil {
					return err
				}
				switch g.id {
				case idBlock:
					blk = g
				case idBlockDuration:
					b, err := s.readAt(g.body, int(min(8, g.end-g.body)))
					if err != nil {
						return err
					}
					dur = int64(min(ebmlUint(b), math.MaxInt64/2))
				}
				o = g.end
			}
			if blk.end > 0 {
				if err := block(blk, dur); err != nil {
					return err
				}
			}
		}
		off = e.end
	}
	return nil
}

// keep records a block, keeping the maxBlocks latest ones.
func (t *mkvTrack) keep(b mkvBlock) {
	if len(t.blocks) < maxBlocks {
		t.blocks = append(t.blocks, b)
		return
	}
	oldest := 0
	for i, o := range t.blocks {
		if o.start < t.blocks[oldest].start {
			oldest = i
		}
	}
	if b.start > t.blocks[oldest].start {
		t.blocks[oldest] = b
	}
}

func (mk *mkvSegment) trackNumber(n uint64) *mkvTrack {
	for _, t := range mk.tracks {
		if t.number == n {
			return t
		}
	}
	return nil
}

// end returns the end of the track's last block in ticks: its start plus
// its BlockDuration, its frames times the track's default duration, or its
// frames times the smallest gap between the track's block starts.
func (t *mkvTrack) end(scale uint64) (int64, bool) {
	if len(t.blocks) == 0 {
		return 0, false
	}
	starts := make([]int64, len(t.blocks))
	for i, b := range t.blocks {
		starts[i] = b.start
	}
	gap := minGap(starts)
	var end int64
	for _, b := range t.blocks {
		d := b.dur
		if d < 0 && t.defaultDur > 0 {
			d = int64(b.frames) * int64(t.defaultDur/scale)
		}
		if d < 0 {
			d = int64(b.frames) * gap
		}
		end = max(end, b.start+d)
	}
	return end, true
}

func (mk *mkvSegment) info(s *source) (*Info, error) {
	var video *mkvTrack
	for _, t := range mk.tracks {
		if t.video {
			video = t
			break
		}
	}
	if video == nil {
		if len(mk.tracks) > 0 {
			return nil, errNoVideo
		}
		return nil, corrupt("mkv: no tracks")
	}
	info := &Info{Width: video.width, Height: video.height, VideoSeconds: video.tagSeconds}
	tick := float64(mk.scale) / 1e9
	if mk.duration > 0 {
		info.DurationSeconds = mk.duration * tick
	}
	if info.DurationSeconds > 0 && info.VideoSeconds > 0 {
		return info, nil
	}
	// Look into the last clusters, newest first, until the video track has
	// blocks; a damaged cluster leaves what the others gave.
	for i := len(mk.clusters) - 1; i >= 0; i-- {
		if s.readBlocks(mk, mk.clusters[i]) != nil || len(video.blocks) > 0 {
			break
		}
	}
	first, _ := s.firstStart(mk)
	var last int64
	for _, t := range mk.tracks {
		if e, ok := t.end(mk.scale); ok {
			last = max(last, e)
			if t == video && info.VideoSeconds == 0 {
				info.VideoSeconds = float64(max(e-first, 0)) * tick
			}
		}
	}
	if info.DurationSeconds == 0 {
		info.DurationSeconds = float64(max(last-first, 0)) * tick
	}
	return info, nil
}

// minGap returns the smallest positive difference between sorted values.
func minGap(v []int64) int64 {
	v = slices.Clone(v)
	slices.Sort(v)
	var gap int64
	for i := 1; i < len(v); i++ {
		if d := v[i] - v[i-1]; d > 0 && (gap == 0 || d < gap) {
			gap = d
		}
	}
	return gap
}
