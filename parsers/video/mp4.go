package video

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// ISO BMFF (.mp4 .mov .m4v .3gp .3g2): the movie box (moov) records the
// movie, track and media durations; fragmented files add movie fragments
// (moof) whose track runs carry the sample durations. Only box headers and
// the small header boxes are read, wherever moov sits; mdat is skipped by
// its size.

// box is one ISO BMFF box: its type and where its header, payload and end are.
type box struct {
	typ  string
	off  int64 // first byte of the header
	body int64 // first byte of the payload
	end  int64 // first byte after the box
}

// nextBox reads the header of the box at off inside a parent ending at end.
// A box claiming to run past the end of the file is cut at the end of the
// file and marks the file truncated; one running past its parent is corrupt.
func (s *source) nextBox(off, end int64) (box, error) {
	if err := s.step(); err != nil {
		return box{}, err
	}
	h, err := s.readAt(off, 8)
	if err != nil {
		return box{}, err
	}
	b := box{typ: string(h[4:8]), off: off, body: off + 8}
	size := uint64(binary.BigEndian.Uint32(h))
	switch size {
	case 0: // extends to the end of its parent
		b.end = end
	case 1: // 64-bit size follows the type
		if end-off < 16 {
			return box{}, corrupt("box %q at %d: no room for a 64-bit size", b.typ, off)
		}
		h, err := s.readAt(off+8, 8)
		if err != nil {
			return box{}, err
		}
		size = binary.BigEndian.Uint64(h)
		b.body = off + 16
		if size < 16 {
			return box{}, corrupt("box %q at %d: 64-bit size %d", b.typ, off, size)
		}
	default:
		if size < 8 {
			return box{}, corrupt("box %q at %d: size %d", b.typ, off, size)
		}
	}
	if size != 0 {
		if size > uint64(end-off) {
			if end != s.size {
				return box{}, corrupt("box %q at %d: size %d overruns its parent", b.typ, off, size)
			}
			s.truncated = true
			b.end = end
		} else {
			b.end = off + int64(size)
		}
	}
	if b.typ == "uuid" {
		b.body += 16
	}
	if b.body > b.end {
		return box{}, corrupt("box %q at %d: header overruns the box", b.typ, off)
	}
	return b, nil
}

// boxes calls fn for each box in [off, end); trailing bytes too short for a
// box header are ignored. Every box is at least 8 bytes long or cut at end,
// so the walk always moves forward.
func (s *source) boxes(off, end int64, fn func(box) error) error {
	for end-off >= 8 {
		b, err := s.nextBox(off, end)
		if err != nil {
			return err
		}
		if err := fn(b); err != nil {
			return err
		}
		off = b.end
	}
	return nil
}

// payload reads up to n bytes of b's payload.
func (s *source) payload(b box, n int) ([]byte, error) {
	return s.readAt(b.body, int(min(int64(n), b.end-b.body)))
}

// mp4Movie is what moov and the fragments say.
type mp4Movie struct {
	timescale  uint32 // movie timescale (mvhd)
	duration   uint64 // mvhd duration, movie timescale
	fragDur    uint64 // mehd fragment_duration, movie timescale
	tracks     []*mp4Track
	fragmented bool
}

// mp4Track is one trak plus its fragments.
type mp4Track struct {
	id          uint32
	handler     string // hdlr type: vide, soun, …
	tkhdDur     uint64 // movie timescale
	mediaScale  uint32 // mdhd timescale
	mediaDur    uint64 // mdhd duration, media timescale
	width       int
	height      int
	minf        box // for the sample description when tkhd has no size
	hasEdits    bool
	editDur     uint64 // sum of edit segment durations, movie timescale
	emptyDur    uint64 // sum of empty edits (dwell), movie timescale
	mediaStart  int64  // media time of the first non-empty edit
	openEnded   bool   // the last edit has duration 0: to the end of the media
	trexDur     uint32 // default sample duration from trex
	fragEnd     uint64 // end of the last fragment, media timescale
	fragNext    uint64 // decode time the next fragment starts at without tfdt
	hasFragment bool
}

// maxTracks bounds the tracks kept from one moov.
const maxTracks = 64

// unsetDuration is the all-ones duration ISO BMFF uses for "unknown".
func unsetDuration(d uint64, v1 bool) bool {
	return (v1 && d == math.MaxUint64) || (!v1 && d == math.MaxUint32)
}

func probeMP4(s *source) (*Info, error) {
	m := &mp4Movie{}
	moov := false
	err := s.boxes(0, s.size, func(b box) error {
		switch b.typ {
		case "moov":
			if moov {
				return nil
			}
			moov = true
			return s.readMoov(m, b)
		case "moof":
			m.fragmented = true
			return s.readMoof(m, b)
		}
		return nil
	})
	if err != nil {
		// A damaged fragment after a sound moov: keep what was read.
		if !moov || !m.fragmented {
			return nil, fmt.Errorf("mp4: %w", err)
		}
		if !errors.Is(err, errTruncated) && m.fragDur == 0 {
			return nil, fmt.Errorf("mp4 fragments: %w", err)
		}
		s.truncated = s.truncated || errors.Is(err, errTruncated)
	}
	if !moov {
		if s.truncated {
			return nil, fmt.Errorf("mp4: moov not found: %w", errTruncated)
		}
		return nil, fmt.Errorf("mp4: %w", errNoMoov)
	}
	return m.info(s)
}

var errNoMoov = &failure{"moov box not found", "文件中没有影片索引（moov）"}

func (s *source) readMoov(m *mp4Movie, moov box) error {
	return s.boxes(moov.body, moov.end, func(b box) error {
		switch b.typ {
		case "mvhd":
			p, err := s.payload(b, 32)
			if err != nil {
				return err
			}
			v1 := len(p) > 0 && p[0] == 1
			switch {
			case v1 && len(p) >= 32:
				m.timescale = be32(p[20:])
				m.duration = be64(p[24:])
			case !v1 && len(p) >= 20:
				m.timescale = be32(p[12:])
				m.duration = uint64(be32(p[16:]))
			default:
				return corrupt("mvhd: %d bytes", len(p))
			}
			if unsetDuration(m.duration, v1) {
				m.duration = 0
			}
		case "trak":
			if len(m.tracks) >= maxTracks {
				return nil
			}
			t := &mp4Track{}
			if err := s.readTrak(t, b); err != nil {
				return err
			}
			m.tracks = append(m.tracks, t)
		case "mvex":
			m.fragmented = true
			return s.boxes(b.body, b.end, func(c box) error {
				p, err := s.payload(c, 16)
				if err != nil {
					return err
				}
				switch {
				case c.typ == "mehd" && len(p) >= 12 && p[0] == 1:
					m.fragDur = be64(p[4:])
				case c.typ == "mehd" && len(p) >= 8:
					m.fragDur = uint64(be32(p[4:]))
				case c.typ == "trex" && len(p) >= 16:
					if t := m.track(be32(p[4:])); t != nil {
						t.trexDur = be32(p[12:])
					}
				}
				return nil
			})
		}
		return nil
	})
}

func (s *source) readTrak(t *mp4Track, trak box) error {
	return s.boxes(trak.body, trak.end, func(b box) error {
		switch b.typ {
		case "tkhd":
			p, err := s.payload(b, 96)
			if err != nil {
				return err
			}
			v1 := len(p) > 0 && p[0] == 1
			switch {
			case v1 && len(p) >= 96:
				t.id, t.tkhdDur = be32(p[20:]), be64(p[28:])
				t.width, t.height = int(be32(p[88:])>>16), int(be32(p[92:])>>16)
			case !v1 && len(p) >= 84:
				t.id, t.tkhdDur = be32(p[12:]), uint64(be32(p[20:]))
				t.width, t.height = int(be32(p[76:])>>16), int(be32(p[80:])>>16)
			default:
				return corrupt("tkhd: %d bytes", len(p))
			}
			if unsetDuration(t.tkhdDur, v1) {
				t.tkhdDur = 0
			}
		case "edts":
			return s.boxes(b.body, b.end, func(c box) error {
				if c.typ == "elst" {
					return s.readElst(t, c)
				}
				return nil
			})
		case "mdia":
			return s.boxes(b.body, b.end, func(c box) error {
				switch c.typ {
				case "mdhd":
					p, err := s.payload(c, 32)
					if err != nil {
						return err
					}
					v1 := len(p) > 0 && p[0] == 1
					switch {
					case v1 && len(p) >= 32:
						t.mediaScale, t.mediaDur = be32(p[20:]), be64(p[24:])
					case !v1 && len(p) >= 20:
						t.mediaScale, t.mediaDur = be32(p[12:]), uint64(be32(p[16:]))
					default:
						return corrupt("mdhd: %d bytes", len(p))
					}
					if unsetDuration(t.mediaDur, v1) {
						t.mediaDur = 0
					}
				case "hdlr":
					p, err := s.payload(c, 12)
					if err != nil {
						return err
					}
					if len(p) >= 12 {
						t.handler = string(p[8:12])
					}
				case "minf":
					t.minf = c
				}
				return nil
			})
		}
		return nil
	})
}

// readElst sums an edit list. Entry counts are checked against the box size
// before anything is read.
func (s *source) readElst(t *mp4Track, b box) error {
	p, err := s.payload(b, 8)
	if err != nil {
		return err
	}
	if len(p) < 8 {
		return corrupt("elst: %d bytes", len(p))
	}
	entry := int64(12)
	if p[0] == 1 {
		entry = 20
	}
	count := int64(be32(p[4:]))
	if count > (b.end-b.body-8)/entry {
		return corrupt("elst: %d entries in %d bytes", count, b.end-b.body)
	}
	if count == 0 {
		return nil
	}
	e, err := s.readAt(b.body+8, int(count*entry))
	if err != nil {
		return err
	}
	t.hasEdits = true
	first := true
	for i := int64(0); i < count; i++ {
		var dur uint64
		var mediaTime int64
		if entry == 20 {
			dur, mediaTime = be64(e[i*20:]), int64(be64(e[i*20+8:]))
		} else {
			dur, mediaTime = uint64(be32(e[i*12:])), int64(int32(be32(e[i*12+4:])))
		}
		if t.editDur+dur < t.editDur { // overflow: no real edit list does this
			return corrupt("elst: durations overflow")
		}
		t.editDur += dur
		if mediaTime == -1 {
			t.emptyDur += dur
			continue
		}
		if first {
			t.mediaStart, first = mediaTime, false
		}
		t.openEnded = dur == 0 && i == count-1
	}
	return nil
}

// readMoof adds one movie fragment's track runs to their tracks.
func (s *source) readMoof(m *mp4Movie, moof box) error {
	return s.boxes(moof.body, moof.end, func(b box) error {
		if b.typ != "traf" {
			return nil
		}
		var t *mp4Track
		var defaultDur uint32
		var base uint64
		hasBase := false
		var sum uint64
		err := s.boxes(b.body, b.end, func(c box) error {
			switch c.typ {
			case "tfhd":
				p, err := s.payload(c, 40)
				if err != nil {
					return err
				}
				if len(p) < 8 {
					return corrupt("tfhd: %d bytes", len(p))
				}
				flags := be32(p) & 0xFFFFFF
				if t = m.track(be32(p[4:])); t == nil {
					return nil
				}
				defaultDur = t.trexDur
				off := 8
				for _, f := range []struct {
					bit  uint32
					size int
				}{{0x01, 8}, {0x02, 4}} {
					if flags&f.bit != 0 {
						off += f.size
					}
				}
				if flags&0x08 != 0 {
					if len(p) < off+4 {
						return corrupt("tfhd: %d bytes", len(p))
					}
					defaultDur = be32(p[off:])
				}
			case "tfdt":
				p, err := s.payload(c, 12)
				if err != nil {
					return err
				}
				switch {
				case len(p) >= 12 && p[0] == 1:
					base, hasBase = be64(p[4:]), true
				case len(p) >= 8 && p[0] == 0:
					base, hasBase = uint64(be32(p[4:])), true
				default:
					return corrupt("tfdt: %d bytes", len(p))
				}
			case "trun":
				if t == nil {
					return nil
				}
				d, err := s.trunDuration(c, defaultDur)
				if err != nil {
					return err
				}
				sum = satAdd(sum, d)
			}
			return nil
		})
		if err != nil || t == nil {
			return err
		}
		if !hasBase {
			if !t.hasFragment {
				t.fragNext = t.mediaDur // samples described in moov come first
			}
			base = t.fragNext
		}
		t.hasFragment = true
		t.fragNext = satAdd(base, sum)
		t.fragEnd = max(t.fragEnd, t.fragNext)
		return nil
	})
}

// trunDuration sums the sample durations of one track run. The sample count
// is checked against the box size before the entries are read.
func (s *source) trunDuration(b box, defaultDur uint32) (uint64, error) {
	p, err := s.payload(b, 8)
	if err != nil {
		return 0, err
	}
	if len(p) < 8 {
		return 0, corrupt("trun: %d bytes", len(p))
	}
	flags := be32(p) & 0xFFFFFF
	count := int64(be32(p[4:]))
	off := b.body + 8
	if flags&0x01 != 0 {
		off += 4
	}
	if flags&0x04 != 0 {
		off += 4
	}
	entry := int64(0)
	for _, bit := range []uint32{0x100, 0x200, 0x400, 0x800} {
		if flags&bit != 0 {
			entry += 4
		}
	}
	if off > b.end || (entry > 0 && count > (b.end-off)/entry) {
		return 0, corrupt("trun: %d samples in %d bytes", count, b.end-b.body)
	}
	if flags&0x100 == 0 {
		return uint64(count) * uint64(defaultDur), nil
	}
	var sum uint64
	for count > 0 { // in chunks, so a long run never needs one big buffer
		n := min(count, 4096)
		e, err := s.readAt(off, int(n*entry))
		if err != nil {
			return 0, err
		}
		for i := int64(0); i < n; i++ {
			sum = satAdd(sum, uint64(be32(e[i*entry:])))
		}
		off += n * entry
		count -= n
	}
	return sum, nil
}

func (m *mp4Movie) track(id uint32) *mp4Track {
	for _, t := range m.tracks {
		if t.id == id {
			return t
		}
	}
	return nil
}

// seconds is the track's presentation length: its edit list when it has
// one, else its media duration (fragments included), else its tkhd duration.
func (t *mp4Track) seconds(movieScale uint32) float64 {
	media := 0.0
	if t.mediaScale > 0 {
		d := t.mediaDur
		if t.hasFragment {
			d = max(d, t.fragEnd)
		}
		media = float64(d) / float64(t.mediaScale)
	}
	if t.hasEdits && movieScale > 0 {
		edited := float64(t.editDur) / float64(movieScale)
		start := 0.0
		if t.mediaScale > 0 {
			start = float64(t.mediaStart) / float64(t.mediaScale)
		}
		if t.openEnded || t.hasFragment {
			// The edit runs to the end of the media, which the fragments
			// extend: the dwell plus the media after the edit's start.
			edited = max(edited, float64(t.emptyDur)/float64(movieScale)+media-start)
		}
		if edited > 0 {
			return edited
		}
	}
	if media > 0 {
		return media
	}
	if movieScale > 0 {
		return float64(t.tkhdDur) / float64(movieScale)
	}
	return 0
}

func (m *mp4Movie) info(s *source) (*Info, error) {
	if len(m.tracks) == 0 {
		return nil, corrupt("mp4: moov has no tracks")
	}
	info := &Info{}
	longestTrack := 0.0
	var video *mp4Track
	for _, t := range m.tracks {
		d := t.seconds(m.timescale)
		longestTrack = max(longestTrack, d)
		if t.handler == "vide" && (video == nil || d > info.VideoSeconds) {
			video, info.VideoSeconds = t, d
		}
	}
	if video == nil {
		return nil, errNoVideo
	}
	switch {
	case m.fragmented && m.fragDur > 0 && m.timescale > 0:
		info.DurationSeconds = max(float64(m.fragDur)/float64(m.timescale), longestTrack)
	case m.fragmented:
		info.DurationSeconds = longestTrack
	case m.duration > 0 && m.timescale > 0:
		info.DurationSeconds = float64(m.duration) / float64(m.timescale)
	default: // movie header says 0: the tracks know
		info.DurationSeconds = longestTrack
	}
	info.Width, info.Height = video.width, video.height
	if info.Width == 0 && video.minf.end > 0 {
		info.Width, info.Height = s.sampleEntrySize(video.minf)
	}
	return info, nil
}

// sampleEntrySize reads the width and height of a track's first visual
// sample entry (minf/stbl/stsd), for tracks whose tkhd leaves them 0.
func (s *source) sampleEntrySize(minf box) (w, h int) {
	_ = s.boxes(minf.body, minf.end, func(b box) error {
		if b.typ != "stbl" {
			return nil
		}
		return s.boxes(b.body, b.end, func(c box) error {
			if c.typ != "stsd" {
				return nil
			}
			// full box (4) + entry count (4) + entry header (8) + 24 bytes
			// of visual sample entry before width and height.
			if p, err := s.payload(c, 44); err == nil && len(p) >= 44 {
				w, h = int(binary.BigEndian.Uint16(p[40:])), int(binary.BigEndian.Uint16(p[42:]))
			}
			return errStop
		})
	})
	return w, h
}

// errStop ends a walk early once it has found what it looked for.
var errStop = errors.New("stop")

// satAdd adds without wrapping around: a sum that overflows stays huge,
// and check rejects it as implausible.
func satAdd(a, b uint64) uint64 {
	if a+b < a {
		return math.MaxUint64
	}
	return a + b
}

func be32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }
func be64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }
