package video

import (
	"math"
	"testing"
)

// pts5 encodes a 33-bit timestamp in the 5-byte PES form with prefix bits.
func pts5(prefix byte, v int64) []byte {
	return []byte{prefix<<4 | byte(v>>29&0x0E) | 1, byte(v >> 22), byte(v>>14) | 1, byte(v >> 7), byte(v<<1) | 1}
}

// pesPTS is a PES packet header with a PTS, then payload.
func pesPTS(sid byte, pts int64, payload []byte) []byte {
	return cat([]byte{0, 0, 1, sid, 0, 0, 0x80, 0x80, 5}, pts5(2, pts), payload)
}

// tsPacketBytes is one 188-byte packet, payload padded with adaptation
// field stuffing.
func tsPacketBytes(pid uint16, start bool, payload []byte) []byte {
	b := []byte{0x47, byte(pid >> 8 & 0x1F), byte(pid), 0x10}
	if start {
		b[1] |= 0x40
	}
	if pad := 184 - len(payload); pad > 0 {
		b[3] = 0x30
		b = append(b, byte(pad-1))
		if pad > 1 {
			b = append(b, 0)
			for i := 2; i < pad; i++ {
				b = append(b, 0xFF)
			}
		}
	}
	return cat(b, payload)
}

func TestTransportStream(t *testing.T) {
	// 50 video frames at 25 fps starting 1 s before the 33-bit wrap, and an
	// ADTS audio track whose last PES holds three 1024-sample frames: as
	// ffprobe, the audio ends one frame after that PES's timestamp (2.01 s),
	// not three (2.053 s).
	var file []byte
	start := int64(ptsWrap - ptsHz)
	for i := int64(0); i < 50; i++ {
		file = append(file, tsPacketBytes(0x100, true, pesPTS(0xE0, (start+i*3600)%ptsWrap, nil))...)
	}
	adts := func() []byte { return []byte{0xFF, 0xF1, 0x4C, 0x80, 0x01, 0x1F, 0xFC} } // 48 kHz, 8 bytes
	frame := cat(adts(), []byte{0})
	file = append(file, tsPacketBytes(0x101, true, pesPTS(0xC0, (start+179000)%ptsWrap, cat(frame, frame, frame)))...)
	info, fs := probeBytes(t, file, Options{})
	if info == nil {
		t.Fatalf("no Info: %v", fs)
	}
	wantDur := float64(179000+1024*ptsHz/48000) / ptsHz
	if math.Abs(info.DurationSeconds-wantDur) > 1e-5 || math.Abs(info.VideoSeconds-2) > 1e-5 {
		t.Errorf("Info %+v, want duration %v video 2", info, wantDur)
	}

	garbage := cat(tsPacketBytes(0x100, true, pesPTS(0xE0, 0, nil)), tsPacketBytes(0x100, true, pesPTS(0xE0, 0, nil)),
		tsPacketBytes(0x100, true, pesPTS(0xE0, 0, nil)), make([]byte, 5000))
	_, fs = probeBytes(t, garbage, Options{})
	checkFindings(t, fs, CodeUnknown, "没有记录时长") // one frame at 0: a length of 0 is no length
}

func TestProgramStream(t *testing.T) {
	pack := func(scr int64) []byte { // MPEG-2 pack header, no stuffing
		return cat([]byte{0, 0, 1, 0xBA}, []byte{0x44 | byte(scr>>27&0x38) | byte(scr>>28&3), byte(scr >> 20),
			byte(scr>>12&0xF8) | 4 | byte(scr>>13&3), byte(scr >> 5), byte(scr<<3) | 4, 1, 0x01, 0x89, 0xC3, 0xF8})
	}
	pes := func(sid byte, pts int64) []byte {
		p := pesPTS(sid, pts, nil)
		p[4], p[5] = 0, byte(len(p)-6)
		return p
	}
	var file []byte
	for i := int64(0); i < 30; i++ {
		file = cat(file, pack(i*1000), pes(0xE0, 9000+i*3003))
	}
	info, fs := probeBytes(t, file, Options{})
	if info == nil || math.Abs(info.VideoSeconds-30*3003.0/ptsHz) > 1e-5 {
		t.Errorf("Info %+v %v, want video %v", info, fs, 30*3003.0/ptsHz)
	}
	// Packs alone: the system clock reference span.
	var scrOnly []byte
	for i := int64(0); i < 10; i++ {
		scrOnly = cat(scrOnly, pack(i*45000))
	}
	info, fs = probeBytes(t, scrOnly, Options{})
	if info == nil || math.Abs(info.DurationSeconds-4.5) > 1e-5 {
		t.Errorf("SCR only: Info %+v %v, want 4.5 s", info, fs)
	}
	// Zero-length packets after a pack must still move forward.
	zeros := cat(pack(0), bytes0(100000))
	_, fs = probeBytes(t, zeros, Options{})
	checkFindings(t, fs, CodeUnknown, "")
}

func bytes0(n int) []byte {
	b := make([]byte, n)
	for i := 0; i+6 <= n; i += 6 {
		copy(b[i:], []byte{0, 0, 1, 0xE0, 0, 0})
	}
	return b
}
