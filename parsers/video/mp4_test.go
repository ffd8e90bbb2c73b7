package video

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/shoubao/shoubao/parsers/finding"
)

// TestMP4Structures covers ISO BMFF cases ffmpeg does not write: the
// duration in track headers only, 64-bit headers, edit lists with empty
// edits, mehd, tfdt-less fragments with trex defaults.
func TestMP4Structures(t *testing.T) {
	video := track(1, "vide", 1000, 5000)
	tests := []struct {
		name          string
		file          []byte
		dur, videoDur float64
	}{
		{"movie header", cat(ftyp("isom"), bx("moov", mvhd0(600, 3000), video)), 5, 5},
		{"movie header zero: tracks", cat(ftyp("isom"), bx("moov", mvhd0(600, 0), video, track(2, "soun", 8000, 56000))), 7, 5},
		{"movie header unset (all ones): tracks", cat(ftyp("isom"), bx("moov", mvhd0(600, math.MaxUint32), video)), 5, 5},
		{"version 1 movie header", cat(ftyp("isom"), bx("moov", mvhd1(90000, 90000*200), video)), 200, 5},
		{"moov at the end after a 64-bit mdat", cat(ftyp("isom"), be(uint32(1), "mdat", uint64(16+4), "data"), bx("moov", mvhd0(1000, 5000), video)), 5, 5},
		{"moov sized 0: to the end of the file", cat(ftyp("isom"), be(uint32(0), "moov"), mvhd0(1000, 5000), video), 5, 5},
		{"edit list: empty edit then 4 s", cat(ftyp("isom"), bx("moov", mvhd0(1000, 0),
			track(1, "vide", 1000, 9000, elst0([2]int32{1000, -1}, [2]int32{4000, 500})))), 5, 5},
		{"edit list: open-ended last edit", cat(ftyp("isom"), bx("moov", mvhd0(1000, 0),
			track(1, "vide", 1000, 9000, elst0([2]int32{0, 2000})))), 7, 7},
		{"mehd gives the fragmented duration", cat(ftyp("isom"), bx("moov", mvhd0(1000, 0), video,
			bx("mvex", bx("mehd", be(uint32(0), uint32(42000)))))), 42, 5},
		{"fragments without tfdt: trex default durations", cat(ftyp("isom"),
			bx("moov", mvhd0(1000, 0), track(1, "vide", 1000, 0),
				bx("mvex", bx("trex", be(uint32(0), uint32(1), uint32(1), uint32(40), uint32(0), uint32(0))))),
			moof(1, -1, 25, nil), bx("mdat"), moof(1, -1, 25, nil), bx("mdat")), 2, 2},
		{"fragments with tfdt and per-sample durations", cat(ftyp("isom"),
			bx("moov", mvhd0(1000, 0), track(1, "vide", 1000, 0), bx("mvex")),
			moof(1, 60000, 3, []uint32{100, 200, 300})), 60.6, 60.6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, fs := probeBytes(t, tt.file, Options{})
			if info == nil {
				t.Fatalf("no Info: %v", fs)
			}
			if math.Abs(info.DurationSeconds-tt.dur) > 1e-6 || math.Abs(info.VideoSeconds-tt.videoDur) > 1e-6 {
				t.Errorf("duration %v video %v, want %v and %v", info.DurationSeconds, info.VideoSeconds, tt.dur, tt.videoDur)
			}
		})
	}
}

// moof builds a movie fragment for track id: tfdt (when base >= 0) and one
// trun of count samples, with per-sample durations when given.
func moof(id uint32, base int64, count uint32, durs []uint32) []byte {
	traf := [][]byte{bx("tfhd", be(uint32(0), id))}
	if base >= 0 {
		traf = append(traf, bx("tfdt", be(uint32(1<<24), uint64(base))))
	}
	if durs == nil {
		traf = append(traf, bx("trun", be(uint32(0), count)))
	} else {
		p := be(uint32(0x100), count)
		for _, d := range durs {
			p = append(p, be(d)...)
		}
		traf = append(traf, bx("trun", p))
	}
	return bx("moof", bx("mfhd", be(uint32(0), uint32(1))), bx("traf", traf...))
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// TestMP4Malformed feeds boxes whose sizes and counts lie. Each must end in
// a finding (or a result for what is sound), quickly and in little memory.
func TestMP4Malformed(t *testing.T) {
	video := track(1, "vide", 1000, 5000)
	good := bx("moov", mvhd0(1000, 5000), video)
	tests := []struct {
		name   string
		file   []byte
		code   string // finding expected; "" for a result
		reason string // part of the message expected
	}{
		{"64-bit mdat size far past the end", cat(ftyp("isom"), be(uint32(1), "mdat", uint64(1)<<62)), CodeUnknown, "不完整"},
		{"64-bit size smaller than its header", cat(ftyp("isom"), be(uint32(1), "mdat", uint64(8)), good), CodeUnknown, "损坏"},
		{"64-bit size wrapping around", cat(ftyp("isom"), be(uint32(1), "free", uint64(math.MaxUint64-7)), good), CodeUnknown, "不完整"},
		{"32-bit size smaller than a header", cat(ftyp("isom"), be(uint32(4), "free"), good), CodeUnknown, "损坏"},
		{"box size 0 in the middle swallows the rest", cat(ftyp("isom"), be(uint32(0), "free"), good), CodeUnknown, "moov"},
		{"moov larger than the file: cut short", cat(ftyp("isom"), be(uint32(0xFFFFFF00), "moov"), mvhd0(1000, 5000), video), CodeTruncated, ""},
		{"trak larger than its moov", cat(ftyp("isom"), bx("moov", mvhd0(1000, 5000), be(uint32(5000), "trak")), bx("free")), CodeUnknown, "损坏"},
		{"elst with 2^32-1 entries", cat(ftyp("isom"), bx("moov", mvhd0(1000, 5000),
			bx("trak", tkhd0(1, 0, 0, 0), bx("edts", bx("elst", be(uint32(0), uint32(math.MaxUint32))))))), CodeUnknown, "损坏"},
		{"trun with 2^32-1 sample durations", cat(ftyp("isom"), bx("moov", mvhd0(1000, 0), track(1, "vide", 1000, 0)),
			bx("moof", bx("traf", bx("tfhd", be(uint32(0), uint32(1))), bx("trun", be(uint32(0x100), uint32(math.MaxUint32)))))), CodeUnknown, "损坏"},
		{"trun whose default durations add up to centuries", cat(ftyp("isom"), bx("moov", mvhd0(1000, 0), track(1, "vide", 1000, 0),
			bx("mvex", bx("trex", be(uint32(0), uint32(1), uint32(1), uint32(math.MaxUint32), uint32(0), uint32(0))))),
			bx("moof", bx("traf", bx("tfhd", be(uint32(0), uint32(1))), bx("trun", be(uint32(0), uint32(math.MaxUint32)))))), CodeUnknown, "损坏"},
		{"mvhd too short", cat(ftyp("isom"), bx("moov", bx("mvhd", be(uint32(0))), video)), CodeUnknown, "损坏"},
		{"moov without tracks", cat(ftyp("isom"), bx("moov", mvhd0(1000, 5000))), CodeUnknown, "损坏"},
		{"audio only", cat(ftyp("M4A "), bx("moov", mvhd0(1000, 5000), track(1, "soun", 8000, 40000))), CodeNotVideo, "没有视频轨道"},
		{"no moov", cat(ftyp("isom"), bx("mdat", []byte("frames"))), CodeUnknown, "moov"},
		{"HEIC photo", cat(ftyp("heic"), bx("meta")), CodeNotVideo, "HEIC"},
		{"JPEG named .mp4", []byte("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00"), CodeNotVideo, "JPEG"},
		{"empty file", nil, CodeNotVideo, "空"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, fs := probeBytes(t, tt.file, Options{})
			checkFindings(t, fs, tt.code, tt.reason)
		})
	}
}

func checkFindings(t *testing.T, fs []finding.Finding, code, reason string) {
	t.Helper()
	if code == "" {
		if len(fs) > 0 {
			t.Errorf("findings %v, want none", fs)
		}
		return
	}
	if len(fs) == 0 || fs[0].Code != code || !strings.Contains(fs[0].Message, reason) {
		t.Errorf("findings %v, want %s containing %q", fs, code, reason)
	}
}

// TestLimits: a file that needs more steps or bytes than allowed ends with
// a finding naming the limit.
func TestLimits(t *testing.T) {
	many := bytes.Repeat(bx("free"), 200_000)
	file := cat(ftyp("isom"), many, bx("moov", mvhd0(1000, 5000), track(1, "vide", 1000, 5000)))
	_, fs := probeBytes(t, file, Options{MaxSteps: 10_000})
	checkFindings(t, fs, CodeUnknown, "条目过多")
	_, fs = probeBytes(t, file, Options{MaxRead: 64 << 10})
	checkFindings(t, fs, CodeUnknown, "超过上限")
	info, fs := probeBytes(t, file, Options{})
	if info == nil || info.DurationSeconds != 5 {
		t.Errorf("with default limits: %+v %v", info, fs)
	}
}

// TestHugeSparseFile: a 1 TiB file that is an mdat header then zeros is
// walked by headers alone.
func TestHugeSparseFile(t *testing.T) {
	head := cat(ftyp("isom"), be(uint32(1), "mdat", uint64(1)<<39), bx("moov"))
	r := &sparse{data: head, size: 1 << 40}
	_, fs := probeReader(t, r, r.size, Options{})
	checkFindings(t, fs, CodeUnknown, "")
	if r.read > 1<<20 {
		t.Errorf("read %d bytes", r.read)
	}
}
