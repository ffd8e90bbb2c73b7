package video

import (
	"bytes"
	"math"
	"testing"
)

func flvHeader() []byte { return cat([]byte("FLV\x01\x05"), be(uint32(9)), be(uint32(0))) }

// flvTagBytes is one tag and its trailing PreviousTagSize.
func flvTagBytes(typ byte, ts uint32, data []byte) []byte {
	n := len(data)
	return cat([]byte{typ, byte(n >> 16), byte(n >> 8), byte(n), byte(ts >> 16), byte(ts >> 8), byte(ts), byte(ts >> 24), 0, 0, 0},
		data, be(uint32(11+n)))
}

func amfString(s string) []byte { return cat([]byte{2}, be(uint16(len(s))), []byte(s)) }

// metaData is an onMetaData tag whose ECMA array holds numbers, then extra.
func metaData(props map[string]float64, extra ...[]byte) []byte {
	b := cat(amfString("onMetaData"), []byte{8}, be(uint32(len(props))))
	for k, v := range props {
		b = cat(b, be(uint16(len(k))), []byte(k), []byte{0}, be(math.Float64bits(v)))
	}
	b = cat(b, cat(extra...), []byte{0, 0, 9})
	return flvTagBytes(flvScript, 0, b)
}

// videoTags are H.263 video tags every step ms from start.
func videoTags(start, step uint32, n int) []byte {
	var b []byte
	for i := 0; i < n; i++ {
		b = append(b, flvTagBytes(flvVideo, start+uint32(i)*step, []byte{0x22, 0, 0, 0})...)
	}
	return b
}

func TestFLV(t *testing.T) {
	deep := cat(be(uint16(4)), []byte("deep"), bytes.Repeat([]byte{3, 0, 1, 'x'}, 20000))
	tests := []struct {
		name          string
		file          []byte
		dur, videoDur float64
		code, reason  string
	}{
		{"onMetaData duration", cat(flvHeader(), metaData(map[string]float64{"duration": 12.5, "width": 640, "height": 360}), videoTags(0, 40, 10)), 12.5, 0.4, "", ""},
		// Without a duration in the metadata, ffprobe's: the last tag's
		// timestamp (the video's end counts its last frame).
		{"no metadata: last tag", cat(flvHeader(), videoTags(0, 40, 25)), 0.96, 1, "", ""},
		{"no metadata: last tag at 0 skipped", cat(flvHeader(), videoTags(0, 40, 25), flvTagBytes(flvScript, 0, amfString("onCuePoint"))), 0.96, 1, "", ""},
		{"AVC composition offsets", cat(flvHeader(),
			flvTagBytes(flvVideo, 0, []byte{0x17, 0, 0, 0, 0}), // sequence header: not a frame
			flvTagBytes(flvVideo, 0, []byte{0x17, 1, 0, 0, 40}),
			flvTagBytes(flvVideo, 40, []byte{0x27, 1, 0, 0, 80}),
			flvTagBytes(flvVideo, 80, []byte{0x27, 1, 0, 0, 0})), 0.08, 0.16, "", ""},
		{"metadata nested 20000 deep", cat(flvHeader(), metaData(map[string]float64{"duration": 3}, deep), videoTags(0, 40, 5)), 3, 0.2, "", ""},
		{"strict array of 2^32-1 values", cat(flvHeader(), metaData(map[string]float64{}, be(uint16(1)), []byte("a"), []byte{10}, be(uint32(math.MaxUint32)), []byte{0}), videoTags(0, 40, 5)), 0.16, 0.2, "", ""},
		{"cut short: walked forward", cat(flvHeader(), videoTags(0, 40, 25), []byte{9, 0, 1, 0}), 1, 1, CodeTruncated, ""},
		{"bogus last tag size: walked forward", cat(flvHeader(), videoTags(0, 40, 3)[:3*19-4], be(uint32(1<<30))), 0.12, 0.12, "", ""},
		{"no tags", flvHeader(), 0, 0, CodeUnknown, "没有记录时长"},
		{"bad tag type", cat(flvHeader(), flvTagBytes(3, 0, []byte{1})), 0, 0, CodeUnknown, "损坏"},
		{"header size too large", cat([]byte("FLV\x01\x05"), be(uint32(1<<31)), be(uint32(0))), 0, 0, CodeUnknown, "损坏"},
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
