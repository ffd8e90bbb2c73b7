package video

import (
	"math"
	"testing"
)

func asfFile(objects ...[]byte) []byte {
	body := cat(objects...)
	return cat(guidASFHeader[:], le(uint64(30+len(body)), uint32(len(objects)), uint16(0x0201)), body)
}

func asfFileProps(play, preroll uint64, flags uint32) []byte {
	return cat(guidFileProperties[:], le(uint64(104)), make([]byte, 16),
		le(uint64(0), uint64(0), uint64(0), play, play, preroll, flags, uint32(0), uint32(0), uint32(0)))
}

func asfStream(kind [16]byte) []byte {
	return cat(guidStreamProps[:], le(uint64(89)), kind[:], make([]byte, 16),
		le(uint64(0), uint32(11), uint32(0), uint16(1), uint32(0), uint32(640), uint32(360), uint8(2), uint16(0)))
}

var guidAudioMedia = [16]byte{0x40, 0x9E, 0x69, 0xF8, 0x4D, 0x5B, 0xCF, 0x11, 0xA8, 0xFD, 0x00, 0x80, 0x5F, 0x5C, 0x44, 0x2B}

func TestASF(t *testing.T) {
	tests := []struct {
		name         string
		file         []byte
		dur          float64
		code, reason string
	}{
		{"play duration minus preroll", asfFile(asfFileProps(125_000_000, 3000, 2), asfStream(guidVideoMedia), asfStream(guidAudioMedia)), 9.5, "", ""},
		{"broadcast", asfFile(asfFileProps(0, 3000, 1), asfStream(guidVideoMedia)), 0, CodeUnknown, "直播"},
		{"audio only", asfFile(asfFileProps(125_000_000, 3000, 2), asfStream(guidAudioMedia)), 0, CodeNotVideo, ""},
		{"object size 0", asfFile(cat(guidStreamProps[:], le(uint64(0)))), 0, CodeUnknown, "损坏"},
		{"object overrunning the header", asfFile(cat(guidStreamProps[:], le(uint64(1<<40)))), 0, CodeUnknown, "损坏"},
		{"no file properties", asfFile(asfStream(guidVideoMedia)), 0, CodeUnknown, "损坏"},
		{"preroll longer than play", asfFile(asfFileProps(10_000_000, 3000, 2), asfStream(guidVideoMedia)), 0, CodeUnknown, "没有记录时长"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, fs := probeBytes(t, tt.file, Options{})
			checkFindings(t, fs, tt.code, tt.reason)
			if tt.code == "" && (info == nil || math.Abs(info.DurationSeconds-tt.dur) > 1e-9 || info.Width != 640) {
				t.Errorf("Info %+v, want duration %v at 640 wide", info, tt.dur)
			}
		})
	}
}
