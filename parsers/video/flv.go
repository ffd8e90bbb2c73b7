package video

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// FLV: a 9-byte header, then tags each followed by its own size. The
// onMetaData script tag at the start usually records the duration; without
// it (files written to a pipe, broken writers) the duration is the
// timestamp of the file's last tag, found through the trailing tag size, as
// ffprobe reads it. The last tags of each kind, walked back from the end,
// give the video's end. A file cut short is walked forward instead, and its
// length is where its last whole frame ends.

const (
	flvAudio  = 8
	flvVideo  = 9
	flvScript = 18
)

// flvTag is a tag header plus the few data bytes that say whether it holds
// a media frame and, for AVC/HEVC, its composition time offset.
type flvTag struct {
	typ   byte
	off   int64
	size  int64 // data size
	ts    int64 // presentation time, ms
	dts   int64 // the tag's own timestamp (decoding time), ms
	frame bool  // an audio or video frame, not a sequence header or command
}

// flvTail is how many tags are walked back from the end at most.
const flvTail = 512

func probeFLV(s *source) (*Info, error) {
	h, err := s.readAt(0, 9)
	if err != nil {
		return nil, fmt.Errorf("flv: %w", err)
	}
	dataOff := int64(be32(h[5:]))
	if dataOff < 9 || dataOff+4 > s.size {
		return nil, corrupt("flv: header size %d", dataOff)
	}
	first := dataOff + 4 // after PreviousTagSize0
	info := &Info{}
	var frameRate float64
	// onMetaData is one of the first tags.
	for off, i := first, 0; i < 8 && s.size-off >= 15; i++ {
		t, err := s.flvTag(off)
		if err != nil {
			break
		}
		if t.typ == flvScript && t.size <= maxChunk && off+11+t.size <= s.size {
			b, err := s.readAt(off+11, int(t.size))
			if err != nil {
				return nil, fmt.Errorf("flv: %w", err)
			}
			meta := s.onMetaData(b)
			info.DurationSeconds = meta["duration"]
			info.Width, info.Height = int(meta["width"]), int(meta["height"])
			frameRate = meta["framerate"]
			break
		}
		off += 11 + t.size + 4
	}
	tags, lastTS, err := s.flvLastTags(first)
	if err != nil {
		return nil, fmt.Errorf("flv: %w", err)
	}
	videoEnd, hasVideo := flvEnd(tags, flvVideo, frameRate)
	audioEnd, _ := flvEnd(tags, flvAudio, 0)
	if hasVideo {
		info.VideoSeconds = float64(videoEnd) / 1000
	}
	if !(info.DurationSeconds > 0 && info.DurationSeconds < maxSeconds) { // absent, or nonsense
		if lastTS > 0 {
			info.DurationSeconds = float64(lastTS) / 1000
		} else {
			info.DurationSeconds = float64(max(videoEnd, audioEnd)) / 1000
		}
	}
	return info, nil
}

// flvTag reads the tag header at off.
func (s *source) flvTag(off int64) (flvTag, error) {
	if err := s.step(); err != nil {
		return flvTag{}, err
	}
	h, err := s.readAt(off, int(min(16, s.size-off)))
	if err != nil {
		return flvTag{}, err
	}
	if len(h) < 11 {
		return flvTag{}, fmt.Errorf("tag at %d: %w", off, errTruncated)
	}
	t := flvTag{typ: h[0] & 0x1F, off: off}
	t.size = int64(h[1])<<16 | int64(h[2])<<8 | int64(h[3])
	t.ts = int64(h[7])<<24 | int64(h[4])<<16 | int64(h[5])<<8 | int64(h[6])
	t.dts = t.ts
	d := h[11:]
	switch t.typ {
	case flvVideo:
		t.frame = len(d) >= 1 && d[0]>>4 != 5                                             // 5: video info/command frame
		if t.frame && (d[0]&0x0F == 7 || d[0]&0x0F == 12) && t.size >= 5 && len(d) >= 5 { // AVC, HEVC
			t.frame = d[1] == 1 // 0: sequence header, 2: end of sequence
			cts := int32(uint32(d[2])<<24|uint32(d[3])<<16|uint32(d[4])<<8) >> 8
			t.ts += int64(cts)
		}
	case flvAudio:
		t.frame = len(d) >= 1 && !(d[0]>>4 == 10 && (len(d) < 2 || d[1] == 0)) // AAC sequence header
	case flvScript:
	default:
		return flvTag{}, corrupt("flv: tag type %d at %d", t.typ, off)
	}
	return t, nil
}

// flvLastTags returns the last media tags: walked back from the end through
// the trailing tag sizes, or forward from the start when the end is not a
// tag boundary (a file cut short). lastTS is the timestamp of the last tag
// with a nonzero one when walking back, 0 when walking forward.
func (s *source) flvLastTags(first int64) (tags []flvTag, lastTS int64, err error) {
	var video, audio int
	for p, i := s.size-4, 0; p >= first && i < flvTail && (video < 8 || audio < 8 || lastTS == 0); i++ {
		b, err := s.readAt(p, 4)
		if err != nil {
			return nil, 0, err
		}
		prev := int64(be32(b))
		if prev < 11 || p-prev < first {
			break
		}
		t, err := s.flvTag(p - prev)
		if err != nil || t.size+11 != prev {
			break
		}
		if lastTS == 0 {
			lastTS = t.dts
		}
		if t.frame {
			tags = append(tags, t)
			if t.typ == flvVideo {
				video++
			} else {
				audio++
			}
		}
		p = t.off - 4
	}
	if len(tags) > 0 {
		return tags, lastTS, nil
	}
	// Forward, keeping the latest tags of each kind.
	off := first
	for s.size-off >= 11 {
		t, err := s.flvTag(off)
		if err != nil {
			return nil, 0, err
		}
		if off+11+t.size+4 > s.size {
			s.truncated = true
			break
		}
		if t.frame {
			tags = append(tags, t)
			if len(tags) > 2*flvTail {
				tags = slices.Delete(tags, 0, flvTail)
			}
		}
		off += 11 + t.size + 4
	}
	if off < s.size {
		s.truncated = true
	}
	if len(tags) == 0 {
		return nil, 0, errNoDuration
	}
	return tags, 0, nil
}

// flvEnd returns when the last frame of one kind ends, in ms: its timestamp
// plus one frame, the smallest gap between that kind's timestamps (or the
// metadata frame rate).
func flvEnd(tags []flvTag, typ byte, frameRate float64) (int64, bool) {
	var ts []int64
	for _, t := range tags {
		if t.typ == typ {
			ts = append(ts, t.ts)
		}
	}
	if len(ts) == 0 {
		return 0, false
	}
	gap := minGap(ts)
	if gap == 0 && frameRate > 0 && frameRate < 1000 {
		gap = int64(math.Round(1000 / frameRate))
	}
	return slices.Max(ts) + gap, true
}

// onMetaData returns the numeric properties of an onMetaData script tag
// (AMF0: the string "onMetaData" then an ECMA array or object).
func (s *source) onMetaData(b []byte) map[string]float64 {
	a := &amf0{s: s, b: b}
	if name, ok := a.str(); !ok || name != "onMetaData" || len(a.b) == 0 {
		return nil
	}
	props := map[string]float64{}
	switch a.b[0] {
	case 8: // ECMA array: a count hint, then properties
		if len(a.b) < 5 {
			return nil
		}
		a.b = a.b[5:]
	case 3:
		a.b = a.b[1:]
	default:
		return nil
	}
	a.props(0, props)
	return props
}

// amf0 reads AMF0 values from b; values nested deeper than amfDepth or
// more than the source's step limit end the read.
type amf0 struct {
	s   *source
	b   []byte
	bad bool
}

const amfDepth = 16

func (a *amf0) str() (string, bool) {
	if len(a.b) < 3 || a.b[0] != 2 {
		return "", false
	}
	n := int(binary.BigEndian.Uint16(a.b[1:]))
	if len(a.b) < 3+n {
		return "", false
	}
	v := string(a.b[3 : 3+n])
	a.b = a.b[3+n:]
	return v, true
}

// props reads name/value pairs up to the object end marker, recording the
// numeric ones in out when out is not nil.
func (a *amf0) props(depth int, out map[string]float64) {
	for !a.bad && len(a.b) >= 3 {
		n := int(binary.BigEndian.Uint16(a.b))
		if n == 0 && a.b[2] == 9 {
			a.b = a.b[3:]
			return
		}
		if len(a.b) < 2+n+1 {
			a.bad = true
			return
		}
		key := string(a.b[2 : 2+n])
		a.b = a.b[2+n:]
		if a.b[0] == 0 && len(a.b) >= 9 && out != nil {
			out[key] = math.Float64frombits(binary.BigEndian.Uint64(a.b[1:]))
		}
		a.skip(depth + 1)
	}
}

// skip steps over one value.
func (a *amf0) skip(depth int) {
	if depth > amfDepth || len(a.b) == 0 || a.s.step() != nil {
		a.bad = true
		return
	}
	typ := a.b[0]
	a.b = a.b[1:]
	need := func(n int) {
		if len(a.b) < n {
			a.bad = true
			return
		}
		a.b = a.b[n:]
	}
	switch typ {
	case 0: // number
		need(8)
	case 1: // boolean
		need(1)
	case 2: // string
		if len(a.b) < 2 {
			a.bad = true
			return
		}
		need(2 + int(binary.BigEndian.Uint16(a.b)))
	case 3: // object
		a.props(depth, nil)
	case 5, 6: // null, undefined
	case 7: // reference
		need(2)
	case 8: // ECMA array
		need(4)
		a.props(depth, nil)
	case 10: // strict array
		if len(a.b) < 4 {
			a.bad = true
			return
		}
		n := int64(be32(a.b))
		a.b = a.b[4:]
		for i := int64(0); i < n && !a.bad; i++ { // each value takes a byte: ends with b
			a.skip(depth + 1)
		}
	case 11: // date
		need(10)
	case 12: // long string
		if len(a.b) < 4 {
			a.bad = true
			return
		}
		need(4 + int(be32(a.b)))
	default:
		a.bad = true
	}
}
