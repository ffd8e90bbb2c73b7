package video

import (
	"bytes"
	"slices"
)

// MPEG program and transport streams carry no duration: the length is the
// span of the elementary streams' presentation timestamps (PTS, 90 kHz,
// 33 bits, wrapping), read from a window at each end of the file. Each
// stream ends one frame after its last PTS, as ffprobe estimates a format
// duration from timestamps: for audio, whose PES packets often hold several
// frames, one frame of the last PES (not all of them).

const (
	ptsHz   = 90000
	ptsWrap = 1 << 33
	// pesBuffer bounds the payload kept of a stream's last PES.
	pesBuffer = 64 << 10
	// maxStreams bounds the elementary streams tracked.
	maxStreams = 64
)

// esTimes gathers the timestamps of one elementary stream, relative to the
// file's first timestamp.
type esTimes struct {
	kind       byte // 'v' video, 'a' audio, 's' system clock (program streams)
	seen       bool
	minPTS     int64
	maxPTS     int64
	recent     []int64 // the latest PTS values, for the frame interval
	lastPTS    int64   // PTS of the last PES that had one
	last       []byte  // payload from that PES on (audio)
	collecting bool
	inTail     bool // had a PTS in the current tail pass
}

// timeline is the timestamps of every stream of one file.
type timeline struct {
	ref     int64
	hasRef  bool
	streams map[uint32]*esTimes
	width   int
	height  int
	// frame is the video frame interval in ticks from an MPEG-1/2 sequence
	// header, 0 when unknown.
	frame int64
}

func newTimeline() *timeline { return &timeline{streams: map[uint32]*esTimes{}} }

// rel maps a 33-bit timestamp to ticks from the file's first timestamp,
// across one wrap-around in either direction.
func (tl *timeline) rel(pts int64) int64 {
	if !tl.hasRef {
		tl.ref, tl.hasRef = pts, true
	}
	d := (pts - tl.ref) & (ptsWrap - 1)
	if d >= ptsWrap/2 {
		d -= ptsWrap
	}
	return d
}

// startPass forgets partial PES packets: a window starts mid-packet.
func (tl *timeline) startPass() {
	for _, es := range tl.streams {
		es.collecting, es.inTail = false, false
	}
}

// pes records the start of a PES packet of stream key.
func (tl *timeline) pes(key uint32, kind byte, pts int64, hasPTS bool, payload []byte) {
	es := tl.streams[key]
	if es == nil {
		if len(tl.streams) >= maxStreams {
			return
		}
		es = &esTimes{kind: kind}
		tl.streams[key] = es
	}
	if kind == 'v' && tl.width == 0 {
		tl.width, tl.height, tl.frame = sequenceHeader(payload)
	}
	if !hasPTS {
		tl.more(key, payload)
		return
	}
	r := tl.rel(pts)
	if !es.seen || r < es.minPTS {
		es.minPTS = r
	}
	if !es.seen || r > es.maxPTS {
		es.maxPTS = r
	}
	es.seen, es.inTail = true, true
	if len(es.recent) == maxBlocks {
		es.recent = slices.Delete(es.recent, 0, 1)
	}
	es.recent = append(es.recent, r)
	es.lastPTS = r
	if es.kind == 'a' {
		es.last = append(es.last[:0], payload[:min(len(payload), pesBuffer)]...)
		es.collecting = true
	}
}

// more adds payload that continues stream key's current PES.
func (tl *timeline) more(key uint32, payload []byte) {
	es := tl.streams[key]
	if es == nil || !es.collecting {
		return
	}
	n := min(len(payload), pesBuffer-len(es.last))
	es.last = append(es.last, payload[:n]...)
}

// missingInTail reports whether a stream seen so far had no PTS in the
// last tail pass.
func (tl *timeline) missingInTail() bool {
	for _, es := range tl.streams {
		if es.seen && !es.inTail {
			return true
		}
	}
	return false
}

// end returns when the stream ends, in ticks: one frame after its last
// PTS, the frame being the audio frame of the last PES, the sequence
// header's frame interval (video) or the smallest gap between PTS values
// when that is under a second.
func (es *esTimes) end(frame int64) int64 {
	if es.kind == 's' { // clock references, not frames: the span is all we know
		return es.maxPTS
	}
	if es.kind == 'a' {
		if d := audioFrame(es.last); d > 0 {
			return max(es.maxPTS, es.lastPTS+d)
		}
	}
	if es.kind != 'v' || frame == 0 {
		if frame = minGap(es.recent); frame > ptsHz {
			frame = 0 // sparse timestamps, not a frame interval
		}
	}
	return es.maxPTS + frame
}

// info turns the timeline into durations; no timestamps is an error.
func (tl *timeline) info() (*Info, error) {
	var first, last int64
	var video *esTimes
	var videoKey uint32
	found := false
	for key, es := range tl.streams {
		if !es.seen {
			continue
		}
		if !found || es.minPTS < first {
			first = es.minPTS
		}
		last = max(last, es.end(tl.frame))
		found = true
		if es.kind == 'v' && (video == nil || key < videoKey) {
			video, videoKey = es, key
		}
	}
	if !found {
		return nil, errNoDuration
	}
	info := &Info{Width: tl.width, Height: tl.height}
	info.DurationSeconds = float64(last-first) / ptsHz
	if video != nil {
		info.VideoSeconds = float64(video.end(tl.frame)-video.minPTS) / ptsHz
	}
	return info, nil
}

// noPESHeader lists stream IDs whose PES packets have no optional header.
func noPESHeader(sid byte) bool {
	switch sid {
	case 0xBC, 0xBE, 0xBF, 0xF0, 0xF1, 0xF2, 0xF8, 0xFF:
		return true
	}
	return false
}

// pesHeader parses the PES packet header at the start of b (00 00 01 sid
// length …), MPEG-2 or MPEG-1 style: its PTS and where its payload starts.
func pesHeader(b []byte) (pts int64, hasPTS bool, payload int, ok bool) {
	if len(b) < 6 || b[0] != 0 || b[1] != 0 || b[2] != 1 {
		return 0, false, 0, false
	}
	if noPESHeader(b[3]) {
		return 0, false, 6, true
	}
	if len(b) >= 9 && b[6]&0xC0 == 0x80 { // MPEG-2
		payload = 9 + int(b[8])
		if b[7]&0x80 != 0 && b[8] >= 5 && len(b) >= 14 {
			pts, hasPTS = parsePTS(b[9:])
		}
		return pts, hasPTS, min(payload, len(b)), true
	}
	i := 6 // MPEG-1: stuffing, STD buffer size, timestamps
	for n := 0; i < len(b) && b[i] == 0xFF && n < 16; n++ {
		i++
	}
	if i < len(b) && b[i]&0xC0 == 0x40 {
		i += 2
	}
	switch {
	case i >= len(b):
		return 0, false, 0, false
	case b[i]&0xF0 == 0x20 && len(b) >= i+5:
		pts, hasPTS = parsePTS(b[i:])
		i += 5
	case b[i]&0xF0 == 0x30 && len(b) >= i+10:
		pts, hasPTS = parsePTS(b[i:])
		i += 10
	case b[i] == 0x0F:
		i++
	default:
		return 0, false, 0, false
	}
	return pts, hasPTS, min(i, len(b)), true
}

// parsePTS decodes a 5-byte timestamp field, checking its marker bits.
func parsePTS(b []byte) (int64, bool) {
	if b[0]&1 != 1 || b[2]&1 != 1 || b[4]&1 != 1 {
		return 0, false
	}
	return int64(b[0]>>1&7)<<30 | int64(b[1])<<22 | int64(b[2]>>1)<<15 | int64(b[3])<<7 | int64(b[4]>>1), true
}

// streamKind classifies a PES stream ID (and, for private stream 1, its
// first payload byte): video, audio, or 0 for streams without a length.
func streamKind(sid byte, payload []byte) byte {
	switch {
	case sid >= 0xE0 && sid <= 0xEF:
		return 'v'
	case sid >= 0xC0 && sid <= 0xDF:
		return 'a'
	case sid == 0xBD && len(payload) >= 2 && payload[0] == 0x0B && payload[1] == 0x77:
		return 'a' // AC-3 in a transport stream
	case sid == 0xBD && len(payload) >= 1 && payload[0] >= 0x80 && payload[0] <= 0xAF:
		return 'a' // DVD sub-stream: AC-3, DTS, LPCM
	}
	return 0
}

// sequenceHeader returns the picture size and frame interval (ticks) from
// an MPEG-1/2 video sequence header in b, or zeros.
func sequenceHeader(b []byte) (w, h int, frame int64) {
	i := bytes.Index(b, []byte{0, 0, 1, 0xB3})
	if i < 0 || len(b) < i+8 {
		return 0, 0, 0
	}
	p := b[i+4:]
	w, h = int(p[0])<<4|int(p[1])>>4, int(p[1]&0x0F)<<8|int(p[2])
	// frame_rate_code 1..8: 24000/1001, 24, 25, 30000/1001, 30, 50, 60000/1001, 60
	if c := int(p[3] & 0x0F); c >= 1 && c <= 8 {
		frame = [...]int64{3754, 3750, 3600, 3003, 3000, 1800, 1502, 1500}[c-1]
	}
	return w, h, frame
}
