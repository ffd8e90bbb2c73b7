package video

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// ASF (.wmv .asf): a Header Object holding the File Properties Object (file
// size, play duration in 100 ns units, preroll in ms, a broadcast flag,
// the data packet size) and one Stream Properties Object per stream (type,
// stream number, and for video the picture size), then the Data Object's
// packets. Every stream plays for the play duration minus the preroll,
// starting when its first payload is presented (presentation time minus
// preroll): the file lasts from the earliest start to the latest end, as
// ffprobe's format duration says (the video often starts a packet or two
// after the audio). ASF records no per-stream duration, so VideoSeconds
// stays 0.

// GUIDs as they appear on disk (the first three fields little-endian).
var (
	guidASFHeader      = [16]byte{0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, 0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62, 0xCE, 0x6C}
	guidFileProperties = [16]byte{0xA1, 0xDC, 0xAB, 0x8C, 0x47, 0xA9, 0xCF, 0x11, 0x8E, 0xE4, 0x00, 0xC0, 0x0C, 0x20, 0x53, 0x65}
	guidStreamProps    = [16]byte{0x91, 0x07, 0xDC, 0xB7, 0xB7, 0xA9, 0xCF, 0x11, 0x8E, 0xE6, 0x00, 0xC0, 0x0C, 0x20, 0x53, 0x65}
	guidVideoMedia     = [16]byte{0xC0, 0xEF, 0x19, 0xBC, 0x4D, 0x5B, 0xCF, 0x11, 0xA8, 0xFD, 0x00, 0x80, 0x5F, 0x5C, 0x44, 0x2B}
	guidASFData        = [16]byte{0x36, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, 0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62, 0xCE, 0x6C}
)

// asfObjectHeader is a GUID and a 64-bit size.
const asfObjectHeader = 24

func probeASF(s *source) (*Info, error) {
	h, err := s.readAt(0, 30)
	if err != nil {
		return nil, fmt.Errorf("asf: %w", err)
	}
	end := int64(binary.LittleEndian.Uint64(h[16:]))
	if end < 30 || end > s.size {
		if end < 30 {
			return nil, corrupt("asf: header object size %d", end)
		}
		s.truncated = true
		end = s.size
	}
	var (
		info                Info
		haveProps, video    bool
		fileSize            uint64
		play, preroll       uint64
		broadcast           bool
		packetSize, maxSize uint32
		streams             []byte // stream numbers
	)
	for off := int64(30); end-off >= asfObjectHeader; {
		if err := s.step(); err != nil {
			return nil, fmt.Errorf("asf: %w", err)
		}
		o, err := s.readAt(off, asfObjectHeader)
		if err != nil {
			return nil, fmt.Errorf("asf: %w", err)
		}
		size := binary.LittleEndian.Uint64(o[16:])
		if size < asfObjectHeader || size > uint64(end-off) {
			return nil, corrupt("asf: object at %d: size %d", off, size)
		}
		guid := [16]byte(o[:16])
		switch guid {
		case guidFileProperties:
			p, err := s.readAt(off, int(min(size, 104)))
			if err != nil {
				return nil, fmt.Errorf("asf: %w", err)
			}
			if len(p) < 92 {
				return nil, corrupt("asf: file properties: %d bytes", len(p))
			}
			haveProps = true
			fileSize = binary.LittleEndian.Uint64(p[40:])
			play = binary.LittleEndian.Uint64(p[64:])
			preroll = binary.LittleEndian.Uint64(p[80:])
			broadcast = p[88]&1 != 0
			if len(p) >= 100 {
				packetSize, maxSize = le32(p[92:]), le32(p[96:])
			}
		case guidStreamProps:
			p, err := s.readAt(off, int(min(size, 86)))
			if err != nil {
				return nil, fmt.Errorf("asf: %w", err)
			}
			if len(p) >= 74 && len(streams) < maxStreams {
				streams = append(streams, p[72]&0x7F)
			}
			if len(p) >= 40 && [16]byte(p[24:40]) == guidVideoMedia {
				if !video && len(p) >= 86 {
					info.Width, info.Height = int(le32(p[78:])), int(le32(p[82:]))
				}
				video = true
			}
		}
		off += int64(size)
	}
	if !haveProps {
		return nil, corrupt("asf: no file properties object")
	}
	if !video {
		return nil, errNoVideo
	}
	if broadcast {
		return nil, fmt.Errorf("asf: %w", errLive)
	}
	if fileSize > uint64(s.size) {
		s.truncated = true // the file properties name a larger file
	}
	d := float64(play)/1e7 - float64(preroll)/1e3
	if d <= 0 {
		return nil, fmt.Errorf("asf: play duration %d, preroll %d: %w", play, preroll, errNoDuration)
	}
	if packetSize == maxSize && packetSize > 0 {
		first, last, err := s.asfStarts(end, int64(packetSize), streams)
		if err != nil {
			return nil, fmt.Errorf("asf: %w", err)
		}
		if first <= last {
			// Presentation times are in ms and include the preroll; what
			// matters is how much later the last stream starts.
			d += float64(last-first) / 1e3
		}
	}
	info.DurationSeconds = d
	return &info, nil
}

// asfPackets and asfScanBytes bound the data packets looked into for the
// streams' first payloads.
const (
	asfPackets   = 64
	asfScanBytes = 1 << 20
)

// asfStarts returns the earliest and latest of the streams' first
// presentation times (ms), read from the first data packets of the Data
// Object at off (packets of packetSize bytes); first > last when no
// payload was found. A damaged packet ends the search with what was found;
// only a cancelled or expired context is an error.
func (s *source) asfStarts(off, packetSize int64, streams []byte) (first, last int64, err error) {
	first, last = 1<<62, -1
	if s.size-off < 50 {
		return first, last, nil
	}
	h, err := s.readAt(off, 50)
	if err != nil {
		return first, last, s.ctx.Err()
	}
	if [16]byte(h[:16]) != guidASFData || packetSize > maxChunk {
		return first, last, nil
	}
	if size := binary.LittleEndian.Uint64(h[16:]); size > uint64(s.size-off) {
		s.truncated = true
	}
	start := map[byte]int64{}
	for k, p := 0, off+50; k < asfPackets && int64(k)*packetSize < asfScanBytes && s.size-p >= packetSize && len(start) < len(streams); k, p = k+1, p+packetSize {
		if err := s.step(); err != nil {
			return 0, 0, err
		}
		b, err := s.readAt(p, int(packetSize))
		if err != nil {
			if err := s.ctx.Err(); err != nil {
				return 0, 0, err
			}
			break
		}
		if !asfPacket(b, func(stream byte, pts int64) {
			if _, seen := start[stream]; !seen && slices.Contains(streams, stream) {
				start[stream] = pts
			}
		}) {
			break
		}
	}
	for _, t := range start {
		first, last = min(first, t), max(last, t)
	}
	return first, last, nil
}

// asfPacket calls fn with the stream number and presentation time (ms) of
// each payload in one data packet; false when the packet is damaged.
func asfPacket(b []byte, fn func(stream byte, pts int64)) bool {
	r := &leReader{b: b}
	if flags := r.byte(); flags&0x80 != 0 { // error correction data
		if flags&0x60 != 0 {
			return false
		}
		r.skip(int(flags & 0x0F))
	} else {
		r.i = 0 // no error correction data: the payload parsing information starts here
	}
	lengthType, propType := r.byte(), r.byte()
	r.field(lengthType >> 5) // packet length
	r.field(lengthType >> 1) // sequence
	r.field(lengthType >> 3) // padding length
	send := int64(r.uint32())
	r.skip(2) // duration
	if propType>>6&3 != 1 {
		return false // the stream number is always one byte
	}
	count, payloadLenType := 1, byte(0)
	multiple := lengthType&1 != 0
	if multiple {
		f := r.byte()
		count, payloadLenType = int(f&0x3F), f>>6
	}
	for range count {
		stream := r.byte() & 0x7F
		r.field(propType >> 4) // media object number
		offset := r.field(propType >> 2)
		rep := int(r.field(propType))
		repData := r.bytes(rep)
		if r.bad {
			return false
		}
		pts := send
		switch {
		case rep >= 8:
			pts = int64(le32(repData[4:]))
		case rep == 1: // compressed payload: the offset field is the presentation time
			pts = int64(offset)
		}
		fn(stream, pts)
		if !multiple {
			break
		}
		r.skip(int(r.field(payloadLenType)))
	}
	return !r.bad
}

// leReader reads little-endian fields from b; reading past the end sets bad.
type leReader struct {
	b   []byte
	i   int
	bad bool
}

func (r *leReader) bytes(n int) []byte {
	if n < 0 || r.i+n > len(r.b) {
		r.bad = true
		r.i = len(r.b)
		return nil
	}
	v := r.b[r.i : r.i+n]
	r.i += n
	return v
}

func (r *leReader) skip(n int) { r.bytes(n) }

func (r *leReader) byte() byte {
	if b := r.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *leReader) uint32() uint32 {
	if b := r.bytes(4); b != nil {
		return le32(b)
	}
	return 0
}

// field reads a field whose size the two low bits of typ give: none, a
// byte, a word or a double word.
func (r *leReader) field(typ byte) uint32 {
	switch typ & 3 {
	case 1:
		return uint32(r.byte())
	case 2:
		if b := r.bytes(2); b != nil {
			return uint32(binary.LittleEndian.Uint16(b))
		}
	case 3:
		return r.uint32()
	}
	return 0
}
