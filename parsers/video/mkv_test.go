package video

import (
	"context"
	"math"
	"testing"
)

// el is an EBML element with an 8-byte size.
func el(id uint32, children ...[]byte) []byte {
	body := cat(children...)
	return cat(ebmlIDBytes(id), be(uint64(len(body))|1<<56), body)
}

// unsized is an EBML element of unknown size.
func unsized(id uint32, children ...[]byte) []byte {
	return cat(ebmlIDBytes(id), be(uint64(1<<57-1)), cat(children...))
}

func ebmlIDBytes(id uint32) []byte {
	b := be(id)
	for len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	return b
}

func u(v uint64) []byte { return be(v) }

func f64(v float64) []byte { return be(math.Float64bits(v)) }

func f32(v float32) []byte { return be(math.Float32bits(v)) }

// simpleBlock is a SimpleBlock for track 1 at a relative timecode; frames
// above 1 use Xiph lacing.
func simpleBlock(rel int16, frames int) []byte {
	if frames > 1 {
		return el(idSimpleBlock, []byte{0x81}, be(rel), []byte{0x82, byte(frames - 1)})
	}
	return el(idSimpleBlock, []byte{0x81}, be(rel), []byte{0x80})
}

func mkvHeader(doc string) []byte { return el(idEBML, el(idDocType, []byte(doc))) }

func mkvTracks(defaultDur uint64, kind uint64) []byte {
	entry := [][]byte{el(idTrackNumber, u(1)), el(idTrackUID, u(77)), el(idTrackType, u(kind)),
		el(idVideo, el(idPixelWidth, u(640)), el(idPixelHeight, u(360)))}
	if defaultDur > 0 {
		entry = append(entry, el(idDefaultDuration, u(defaultDur)))
	}
	return el(idTracks, el(idTrackEntry, entry...))
}

func TestMatroska(t *testing.T) {
	info := func(scale uint64, dur []byte) []byte {
		return el(idInfo, el(idTimecodeScale, u(scale)), el(idDuration, dur))
	}
	cluster := func(tc uint64, blocks ...[]byte) []byte {
		return el(idCluster, append([][]byte{el(idTimecode, u(tc))}, blocks...)...)
	}
	tests := []struct {
		name          string
		file          []byte
		dur, videoDur float64
		code, reason  string
	}{
		{"Info duration (float64) times the timecode scale", cat(mkvHeader("matroska"),
			el(idSegment, info(1_000_000, f64(12_500)), mkvTracks(0, 1))), 12.5, 0, "", ""},
		{"float32 duration, 1 µs ticks, DURATION tag", cat(mkvHeader("webm"),
			el(idSegment, info(1000, f32(3_000_000)), mkvTracks(0, 1),
				el(idTags, el(idTag, el(idTargets, el(idTagTrackUID, u(77))),
					el(idSimpleTag, el(idTagName, []byte("DURATION")), el(idTagString, []byte("00:00:02.900000000"))))))), 3, 2.9, "", ""},
		{"no duration: last cluster plus default duration", cat(mkvHeader("webm"),
			unsized(idSegment, el(idInfo, el(idTimecodeScale, u(1_000_000))), mkvTracks(40_000_000, 1),
				cluster(0, simpleBlock(0, 1), simpleBlock(40, 1)), cluster(80, simpleBlock(0, 1), simpleBlock(40, 1)))), 0.16, 0.16, "", ""},
		// Without a duration the length is the blocks' span: the first
		// block is at 1 s, the last (3 laced frames of 20 ms) at 2 s.
		{"unsized clusters, laced block, cues after", cat(mkvHeader("matroska"),
			unsized(idSegment, mkvTracks(20_000_000, 1),
				unsized(idCluster, el(idTimecode, u(1000)), simpleBlock(0, 1)),
				unsized(idCluster, el(idTimecode, u(2000)), simpleBlock(0, 3)),
				el(0x1C53BB6B))), 1.06, 1.06, "", ""},
		{"block group duration", cat(mkvHeader("matroska"),
			el(idSegment, mkvTracks(0, 1), cluster(0, el(idBlockGroup,
				el(idBlock, []byte{0x81}, be(int16(500)), []byte{0}), el(idBlockDuration, u(250)))))), 0.25, 0.25, "", ""},
		{"block groups, earliest block second (B-frames)", cat(mkvHeader("matroska"),
			el(idSegment, mkvTracks(40_000_000, 1), cluster(100, simpleBlock(80, 1), simpleBlock(0, 1), simpleBlock(40, 1)),
				cluster(300, simpleBlock(0, 1)))), 0.24, 0.24, "", ""},
		{"audio only", cat(mkvHeader("matroska"), el(idSegment, info(1_000_000, f64(1000)), mkvTracks(0, 2))), 0, 0, CodeNotVideo, ""},
		{"huge element size before the end: cut short", cat(mkvHeader("matroska"),
			el(idSegment, info(1_000_000, f64(5000)), mkvTracks(0, 1), cat(ebmlIDBytes(idCluster), be(uint64(1<<56|1<<50))))), 5, 0, CodeTruncated, ""},
		{"huge element inside the segment", cat(mkvHeader("matroska"),
			el(idSegment, cat(ebmlIDBytes(idInfo), be(uint64(1<<56|1<<50)))), []byte("tail")), 0, 0, CodeUnknown, "损坏"},
		{"invalid ID", cat(mkvHeader("matroska"), el(idSegment, []byte{0, 0, 0, 0})), 0, 0, CodeUnknown, "损坏"},
		{"unsized Info", cat(mkvHeader("matroska"), unsized(idSegment, unsized(idInfo, el(idDuration, f64(1))))), 0, 0, CodeUnknown, ""},
		{"no segment", mkvHeader("matroska"), 0, 0, CodeUnknown, "不完整"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, fs := probeBytes(t, tt.file, Options{})
			checkFindings(t, fs, tt.code, tt.reason)
			if tt.code == "" || tt.code == CodeTruncated {
				if info == nil || math.Abs(info.DurationSeconds-tt.dur) > 1e-6 || math.Abs(info.VideoSeconds-tt.videoDur) > 1e-6 {
					t.Errorf("Info %+v, want duration %v video %v", info, tt.dur, tt.videoDur)
				}
			}
		})
	}
}

func TestVint(t *testing.T) {
	tests := []struct {
		in      []byte
		n       int
		v       uint64
		allOnes bool
		ok      bool
	}{
		{[]byte{0x81}, 1, 1, false, true},
		{[]byte{0xFF}, 1, 127, true, true},
		{[]byte{0x40, 0x02}, 2, 2, false, true},
		{[]byte{0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, 8, 1<<56 - 1, true, true},
		{[]byte{0x01, 0xFF}, 0, 0, false, false},
		{[]byte{0x00}, 0, 0, false, false},
		{nil, 0, 0, false, false},
	}
	for _, tt := range tests {
		n, v, allOnes, ok := vint(tt.in)
		if n != tt.n || v != tt.v || allOnes != tt.allOnes || ok != tt.ok {
			t.Errorf("vint(% x) = %d %d %v %v", tt.in, n, v, allOnes, ok)
		}
	}
}

// TestPipeMatroskaLimit: a 179.9 s Matroska written to a pipe (no duration
// in its header) whose clock starts at 0.148 s lasts 179.9 s, within a
// 3-minute limit, though its last block ends 180.048 s after zero.
func TestPipeMatroskaLimit(t *testing.T) {
	info, fs := ProbeFile(context.Background(), "testdata/mkv_pipe.mkv", Options{})
	if info == nil || len(fs) != 0 {
		t.Fatalf("Info %+v findings %v", info, fs)
	}
	if math.Abs(info.DurationSeconds-179.9) > 1e-6 || math.Abs(info.VideoSeconds-179.9) > 1e-6 {
		t.Errorf("Info %+v, want 179.9 s", info)
	}
	if got := CheckLimit(info, 180); len(got) != 0 {
		t.Errorf("limit 180 s: %v, want none", got)
	}
	if got := CheckLimit(info, 179); len(got) != 1 || got[0].Code != CodeTooLong {
		t.Errorf("limit 179 s: %v, want video_too_long", got)
	}
}
