package video

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"runtime"
	"testing"

	"github.com/shoubao/shoubao/parsers/finding"
)

// Helpers that build small containers by hand, for the cases ffmpeg never
// writes: broken sizes, loops, huge counts.

// be writes big-endian integers: uint8, uint16, uint32, uint64 (and int32,
// int64 for signed fields), or raw bytes and strings.
func be(fields ...any) []byte {
	var b bytes.Buffer
	for _, f := range fields {
		switch v := f.(type) {
		case string:
			b.WriteString(v)
		case []byte:
			b.Write(v)
		default:
			if err := binary.Write(&b, binary.BigEndian, v); err != nil {
				panic(err)
			}
		}
	}
	return b.Bytes()
}

// le is be, little-endian.
func le(fields ...any) []byte {
	var b bytes.Buffer
	for _, f := range fields {
		switch v := f.(type) {
		case string:
			b.WriteString(v)
		case []byte:
			b.Write(v)
		default:
			if err := binary.Write(&b, binary.LittleEndian, v); err != nil {
				panic(err)
			}
		}
	}
	return b.Bytes()
}

// bx is an ISO BMFF box with a 32-bit size.
func bx(typ string, payload ...[]byte) []byte {
	body := bytes.Join(payload, nil)
	return be(uint32(8+len(body)), typ, body)
}

func ftyp(brand string) []byte { return bx("ftyp", be(brand, uint32(0), brand)) }

func mvhd0(timescale, duration uint32) []byte {
	return bx("mvhd", be(uint32(0), uint32(0), uint32(0), timescale, duration, make([]byte, 80)))
}

func mvhd1(timescale uint32, duration uint64) []byte {
	return bx("mvhd", be(uint32(1<<24), uint64(0), uint64(0), timescale, duration, make([]byte, 80)))
}

func tkhd0(id, duration uint32, w, h uint16) []byte {
	return bx("tkhd", be(uint32(3), uint32(0), uint32(0), id, uint32(0), duration,
		make([]byte, 52), uint32(w)<<16, uint32(h)<<16))
}

func mdhd0(timescale, duration uint32) []byte {
	return bx("mdhd", be(uint32(0), uint32(0), uint32(0), timescale, duration, uint32(0)))
}

func hdlr(handler string) []byte {
	return bx("hdlr", be(uint32(0), uint32(0), handler, make([]byte, 13)))
}

// elst0 builds a version 0 edit list of (segment duration, media time) pairs.
func elst0(entries ...[2]int32) []byte {
	p := be(uint32(0), uint32(len(entries)))
	for _, e := range entries {
		p = append(p, be(uint32(e[0]), e[1], uint32(1<<16))...)
	}
	return bx("edts", bx("elst", p))
}

// track is a trak of the given handler with media timescale and duration.
func track(id uint32, handler string, scale, duration uint32, extra ...[]byte) []byte {
	parts := append([][]byte{tkhd0(id, 0, 16, 16)}, extra...)
	parts = append(parts, bx("mdia", mdhd0(scale, duration), hdlr(handler)))
	return bx("trak", parts...)
}

// probeBytes runs Probe on b and fails the test when it allocates more than
// a few MiB: no size field may drive an allocation.
func probeBytes(t *testing.T, b []byte, opts Options) (*Info, []finding.Finding) {
	t.Helper()
	return probeReader(t, bytes.NewReader(b), int64(len(b)), opts)
}

func probeReader(t *testing.T, r interface {
	ReadAt([]byte, int64) (int, error)
}, size int64, opts Options) (*Info, []finding.Finding) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	info, fs := Probe(context.Background(), r, size, opts)
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("Probe allocated %d bytes", alloc)
	}
	if (info == nil) == (len(fs) == 0 || fs[0].Code == CodeTruncated) {
		t.Errorf("Info %+v with findings %v: want exactly one of a result or a reason", info, fs)
	}
	return info, fs
}

// sparse is a ReaderAt over a huge file that holds data at its start and
// zeros after it, without storing them.
type sparse struct {
	data []byte
	size int64
	read int64
}

func (s *sparse) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for n < len(p) && off+int64(n) < s.size {
		if i := off + int64(n); i < int64(len(s.data)) {
			p[n] = s.data[i]
		} else {
			p[n] = 0
		}
		n++
	}
	s.read += int64(n)
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
