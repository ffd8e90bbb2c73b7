package video

import (
	"math"
	"testing"
)

func ck(id string, data []byte) []byte {
	b := le(id, uint32(len(data)), data)
	if len(data)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

func riffList(outer, typ string, children ...[]byte) []byte {
	body := cat(children...)
	return le(outer, uint32(4+len(body)), typ, body)
}

func avih(usPerFrame, frames uint32) []byte {
	return ck("avih", le(usPerFrame, uint32(0), uint32(0), uint32(0), frames, uint32(0), uint32(1), uint32(0),
		uint32(320), uint32(240), [4]uint32{}))
}

func strh(kind string, scale, rate, length uint32) []byte {
	return ck("strh", le(kind, "\x00\x00\x00\x00", uint32(0), uint16(0), uint16(0), uint32(0),
		scale, rate, uint32(0), length, uint32(0), uint32(0), uint32(0), [4]uint16{}))
}

func TestAVI(t *testing.T) {
	video := riffList("LIST", "strl", strh("vids", 1, 25, 100))
	tests := []struct {
		name          string
		file          []byte
		dur, videoDur float64
		code, reason  string
	}{
		{"main and stream headers", riffList("RIFF", "AVI ", riffList("LIST", "hdrl", avih(40000, 100), video,
			riffList("LIST", "strl", strh("auds", 1152, 44100, 200))), riffList("LIST", "movi")), 200 * 1152 / 44100.0, 4, "", ""},
		{"OpenDML: dmlh counts every RIFF part", riffList("RIFF", "AVI ", riffList("LIST", "hdrl", avih(40000, 100), video,
			riffList("LIST", "odml", ck("dmlh", le(uint32(30000))))), riffList("LIST", "movi")), 1200, 1200, "", ""},
		{"cut short: the headers' length", riffList("RIFF", "AVI ", riffList("LIST", "hdrl", avih(40000, 100), video), le("LIST", uint32(1<<30), "movi")),
			4, 4, CodeTruncated, ""},
		{"chunk overrunning its list", riffList("RIFF", "AVI ", riffList("LIST", "hdrl", le("avih", uint32(0xFFFFFFF0))), riffList("LIST", "movi")),
			0, 0, CodeUnknown, "损坏"},
		{"no hdrl", riffList("RIFF", "AVI ", riffList("LIST", "movi")), 0, 0, CodeUnknown, "损坏"},
		{"audio only", riffList("RIFF", "AVI ", riffList("LIST", "hdrl", avih(0, 0), riffList("LIST", "strl", strh("auds", 1, 8000, 8000)))), 0, 0, CodeNotVideo, ""},
		{"rate 0", riffList("RIFF", "AVI ", riffList("LIST", "hdrl", avih(0, 0), riffList("LIST", "strl", strh("vids", 1, 0, 100))), riffList("LIST", "movi")), 0, 0, CodeUnknown, "没有记录时长"},
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
