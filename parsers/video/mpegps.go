package video

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// MPEG program streams (.mpg .mpeg .vob): pack headers (00 00 01 BA, with
// the system clock reference) followed by PES packets, each with a 16-bit
// length. DVD audio travels in private stream 1 with a sub-stream byte.

// scrKey is the timeline key of the system clock reference, used only when
// no stream carries a PTS.
const scrKey = 0x1BA

func probePS(s *source) (*Info, error) {
	tl := newTimeline()
	scr := newTimeline()
	pass := func(from, to int64) error {
		tl.startPass()
		scr.startPass()
		return s.windows(from, to, func(b []byte, atEOF bool) (int, error) {
			return psPackets(s, tl, scr, b, atEOF)
		})
	}
	if err := scanEnds(s, tl, pass); err != nil {
		return nil, fmt.Errorf("mpegps: %w", err)
	}
	info, err := tl.info()
	if err == errNoDuration {
		info, err = scr.info()
	}
	return info, err
}

var packStart = []byte{0, 0, 1, 0xBA}

// psPackets feeds the packs and packets in b to tl and returns the bytes
// consumed.
func psPackets(s *source, tl, scr *timeline, b []byte, atEOF bool) (int, error) {
	i := bytes.Index(b, packStart)
	if i < 0 {
		return len(b), nil
	}
	for i+6 <= len(b) {
		if err := s.step(); err != nil {
			return 0, err
		}
		if b[i] != 0 || b[i+1] != 0 || b[i+2] != 1 || b[i+3] < 0xB9 {
			j := bytes.Index(b[i+1:], packStart) // lost: find the next pack
			if j < 0 {
				return len(b), nil
			}
			i += 1 + j
			continue
		}
		var n int
		switch code := b[i+3]; {
		case code == 0xB9: // end code
			n = 4
		case code == 0xBA:
			if i+14 > len(b) {
				return i, nil
			}
			p := b[i+4:]
			switch {
			case p[0]&0xC0 == 0x40: // MPEG-2
				n = 14 + int(p[9]&7)
				v := int64(p[0]>>3&7)<<30 | int64(p[0]&3)<<28 | int64(p[1])<<20 | int64(p[2]>>3)<<15 | int64(p[2]&3)<<13 | int64(p[3])<<5 | int64(p[4]>>3)
				scr.pes(scrKey, 's', v, true, nil)
			case p[0]&0xF0 == 0x20: // MPEG-1
				n = 12
				if v, ok := parsePTS(p); ok {
					scr.pes(scrKey, 's', v, true, nil)
				}
			default:
				n = 4 // not a pack header after all: resynchronise
			}
		default:
			n = 6 + int(binary.BigEndian.Uint16(b[i+4:]))
			if i+n > len(b) && !atEOF {
				return i, nil // read the whole packet with the next chunk
			}
			if i+n > len(b) {
				s.truncated = true
			}
			psPacket(tl, b[i:min(i+n, len(b))])
		}
		i += n
	}
	if atEOF && i < len(b) {
		s.truncated = true
	}
	return min(i, len(b)), nil
}

// psPacket handles one PES packet of a program stream.
func psPacket(tl *timeline, p []byte) {
	sid := p[3]
	if sid < 0xBD || noPESHeader(sid) {
		return
	}
	pts, hasPTS, body, ok := pesHeader(p)
	if !ok {
		return
	}
	payload := p[body:]
	kind := streamKind(sid, payload)
	if kind == 0 {
		return
	}
	key := uint32(sid)
	if sid == 0xBD && len(payload) > 0 { // DVD: sub-stream byte, then a 3-byte header for AC-3/DTS
		key = 0xBD00 | uint32(payload[0])
		if payload[0] < 0xA0 && len(payload) >= 4 {
			payload = payload[4:]
		}
	}
	tl.pes(key, kind, pts, hasPTS, payload)
}
