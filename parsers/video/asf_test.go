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

func asfStream(kind [16]byte) []byte { return asfStreamN(kind, 1) }

// asfStreamN is a Stream Properties Object for stream number n.
func asfStreamN(kind [16]byte, n uint16) []byte {
	return cat(guidStreamProps[:], le(uint64(89)), kind[:], make([]byte, 16),
		le(uint64(0), uint32(11), uint32(0), n, uint32(0), uint32(640), uint32(360), uint8(2), uint16(0)))
}

// asfFilePropsP is a File Properties Object naming the file size and a
// fixed data packet size.
func asfFilePropsP(play, preroll uint64, fileSize uint64, packet uint32) []byte {
	return cat(guidFileProperties[:], le(uint64(104)), make([]byte, 16),
		le(fileSize, uint64(0), uint64(0), play, play, preroll, uint32(2), packet, packet, uint32(0)))
}

// asfPayload is one payload of a data packet: its stream and presentation
// time (ms); compressed payloads carry the time in the offset field.
type asfPayload struct {
	stream     byte
	pts        uint32
	compressed bool
}

// asfPacketBytes is a data packet of size bytes with error correction
// data, multiple payloads and padding.
func asfPacketBytes(size int, send uint32, payloads ...asfPayload) []byte {
	// Length type: multiple payloads, byte padding length; property flags:
	// byte replicated length, dword offset, byte object number, byte stream.
	b := cat([]byte{0x82, 0, 0, 0x09, 0x5D, 0}, le(send, uint16(0)), []byte{0x80 | byte(len(payloads))})
	for i, p := range payloads {
		if p.compressed {
			b = cat(b, []byte{p.stream | 0x80, byte(i)}, le(p.pts), []byte{1, 40}, le(uint16(3)), []byte{2, 0xAA, 0xBB})
			continue
		}
		b = cat(b, []byte{p.stream, byte(i)}, le(uint32(0)), []byte{8}, le(uint32(2), p.pts), le(uint16(2)), []byte{0xAA, 0xBB})
	}
	return cat(b, make([]byte, size-len(b)))
}

// asfData is a Data Object holding packets.
func asfData(packets ...[]byte) []byte {
	body := cat(packets...)
	return cat(guidASFData[:], le(uint64(50+len(body))), make([]byte, 16), le(uint64(len(packets)), uint16(0x0101)), body)
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
	// Packets of 100 bytes; preroll 3000 ms, play duration 9.5 s + 3 s.
	const psize = 100
	props := func(fileSize uint64) []byte { return asfFilePropsP(125_000_000, 3000, fileSize, psize) }
	streams := cat(asfStreamN(guidAudioMedia, 1), asfStreamN(guidVideoMedia, 2))
	withData := func(fileSize uint64, packets ...[]byte) []byte {
		return cat(asfFile(props(fileSize), streams), asfData(packets...))
	}
	size := func(packets int) uint64 { return uint64(len(withData(0, make([][]byte, packets)...)) + packets*psize) }
	tests = append(tests, []struct {
		name         string
		file         []byte
		dur          float64
		code, reason string
	}{
		// ffprobe's format duration: every stream plays 9.5 s from its
		// first presentation; the video starts 138 ms after the audio.
		{"video starts after the audio", withData(size(2),
			asfPacketBytes(psize, 2900, asfPayload{1, 3000, false}, asfPayload{1, 3064, false}),
			asfPacketBytes(psize, 2950, asfPayload{2, 3138, false}, asfPayload{1, 3128, false})), 9.638, "", ""},
		{"compressed payloads", withData(size(1),
			asfPacketBytes(psize, 2900, asfPayload{2, 3040, true}, asfPayload{1, 3000, true})), 9.54, "", ""},
		{"one stream without payloads in the first packets", withData(size(1),
			asfPacketBytes(psize, 2900, asfPayload{2, 3200, false})), 9.5, "", ""},
		{"payloads of an undeclared stream ignored", withData(size(1),
			asfPacketBytes(psize, 2900, asfPayload{1, 3000, false}, asfPayload{2, 3100, false}, asfPayload{5, 9000, false})), 9.6, "", ""},
		{"damaged first packet: the play duration alone", withData(size(1), cat([]byte{0xE2}, make([]byte, psize-1))), 9.5, "", ""},
		{"file properties name a larger file", withData(size(2)+1000,
			asfPacketBytes(psize, 2900, asfPayload{1, 3000, false}, asfPayload{2, 3064, false}),
			asfPacketBytes(psize, 2950, asfPayload{2, 3128, false})), 9.564, CodeTruncated, ""},
		{"data object cut short", withData(0, asfPacketBytes(psize, 2900, asfPayload{1, 3000, false}, asfPayload{2, 3064, false}))[:size(1)-1], 9.5, CodeTruncated, ""},
	}...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, fs := probeBytes(t, tt.file, Options{})
			checkFindings(t, fs, tt.code, tt.reason)
			if (tt.code == "" || tt.code == CodeTruncated) && (info == nil || math.Abs(info.DurationSeconds-tt.dur) > 1e-9 || info.Width != 640) {
				t.Errorf("Info %+v, want duration %v at 640 wide", info, tt.dur)
			}
		})
	}
}
