package video

import (
	"encoding/binary"
	"fmt"
)

// ASF (.wmv .asf): a Header Object holding the File Properties Object (play
// duration in 100 ns units, preroll in ms, a broadcast flag) and one Stream
// Properties Object per stream (type, and for video the picture size). The
// length is the play duration minus the preroll. ASF records no per-stream
// duration, so VideoSeconds stays 0.

// GUIDs as they appear on disk (the first three fields little-endian).
var (
	guidASFHeader      = [16]byte{0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, 0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62, 0xCE, 0x6C}
	guidFileProperties = [16]byte{0xA1, 0xDC, 0xAB, 0x8C, 0x47, 0xA9, 0xCF, 0x11, 0x8E, 0xE4, 0x00, 0xC0, 0x0C, 0x20, 0x53, 0x65}
	guidStreamProps    = [16]byte{0x91, 0x07, 0xDC, 0xB7, 0xB7, 0xA9, 0xCF, 0x11, 0x8E, 0xE6, 0x00, 0xC0, 0x0C, 0x20, 0x53, 0x65}
	guidVideoMedia     = [16]byte{0xC0, 0xEF, 0x19, 0xBC, 0x4D, 0x5B, 0xCF, 0x11, 0xA8, 0xFD, 0x00, 0x80, 0x5F, 0x5C, 0x44, 0x2B}
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
		info             Info
		haveProps, video bool
		play, preroll    uint64
		broadcast        bool
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
			p, err := s.readAt(off, int(min(size, 92)))
			if err != nil {
				return nil, fmt.Errorf("asf: %w", err)
			}
			if len(p) < 92 {
				return nil, corrupt("asf: file properties: %d bytes", len(p))
			}
			haveProps = true
			play = binary.LittleEndian.Uint64(p[64:])
			preroll = binary.LittleEndian.Uint64(p[80:])
			broadcast = p[88]&1 != 0
		case guidStreamProps:
			p, err := s.readAt(off, int(min(size, 86)))
			if err != nil {
				return nil, fmt.Errorf("asf: %w", err)
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
	d := float64(play)/1e7 - float64(preroll)/1e3
	if d <= 0 {
		return nil, fmt.Errorf("asf: play duration %d, preroll %d: %w", play, preroll, errNoDuration)
	}
	info.DurationSeconds = d
	return &info, nil
}
