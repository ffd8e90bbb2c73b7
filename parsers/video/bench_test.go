package video

import (
	"context"
	"encoding/binary"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingReaderAt counts the bytes and calls that go through it.
type countingReaderAt struct {
	r            io.ReaderAt
	bytes, calls atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.bytes.Add(int64(n))
	c.calls.Add(1)
	return n, err
}

// sparseSize is the size of the generated benchmark file: 2 GiB.
const sparseSize = 2 << 30

// makeSparseMP4 writes a 2 GiB MP4 into dir: testdata/mp4_moov_end.mp4's
// ftyp and frames at the start of a 64-bit mdat that runs up to the moov at
// the very end, with the chunk offsets in moov moved to match. The gap is a
// hole in a sparse file, so it costs no disk space; ffprobe plays it.
func makeSparseMP4(tb testing.TB, dir string) string {
	tb.Helper()
	src, err := os.ReadFile("testdata/mp4_moov_end.mp4")
	if err != nil {
		tb.Fatal(err)
	}
	var mdat, moov []byte
	var prefix int
	for off := 0; off+8 <= len(src); {
		size := int(binary.BigEndian.Uint32(src[off:]))
		switch string(src[off+4 : off+8]) {
		case "mdat":
			prefix, mdat = off, src[off+8:off+size]
		case "moov":
			moov = slices.Clone(src[off : off+size])
		}
		off += size
	}
	if mdat == nil || moov == nil {
		tb.Fatal("mp4_moov_end.mp4: no mdat or moov")
	}
	// The frames move 8 bytes later: the mdat header grows from 8 to 16.
	shiftChunkOffsets(tb, moov, int64(prefix+16)-int64(prefix+8))
	path := filepath.Join(dir, "moov_at_end_2GiB.mp4")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	mdatSize := uint64(sparseSize - prefix - len(moov))
	head := cat(src[:prefix], be(uint32(1), "mdat", mdatSize), mdat)
	if _, err := f.Write(head); err != nil {
		tb.Fatal(err)
	}
	if _, err := f.WriteAt(moov, sparseSize-int64(len(moov))); err != nil {
		tb.Fatal(err)
	}
	return path
}

// shiftChunkOffsets adds delta to every stco/co64 entry in moov.
func shiftChunkOffsets(tb testing.TB, moov []byte, delta int64) {
	var walk func(b []byte)
	walk = func(b []byte) {
		for off := 0; off+8 <= len(b); {
			size := int(binary.BigEndian.Uint32(b[off:]))
			if size < 8 || off+size > len(b) {
				tb.Fatalf("moov: box size %d at %d", size, off)
			}
			body := b[off+8 : off+size]
			switch string(b[off+4 : off+8]) {
			case "moov", "trak", "mdia", "minf", "stbl":
				walk(body)
			case "stco":
				for i, n := 0, int(binary.BigEndian.Uint32(body[4:])); i < n; i++ {
					e := body[8+4*i:]
					binary.BigEndian.PutUint32(e, uint32(int64(binary.BigEndian.Uint32(e))+delta))
				}
			case "co64":
				for i, n := 0, int(binary.BigEndian.Uint32(body[4:])); i < n; i++ {
					e := body[8+8*i:]
					binary.BigEndian.PutUint64(e, uint64(int64(binary.BigEndian.Uint64(e))+delta))
				}
			}
			off += size
		}
	}
	walk(moov[8:])
}

// TestSparse2GiB: the moov of a 2 GiB file is found at its end, reading
// less than 1 MiB; ffprobe agrees the file is sound and 5 s long.
func TestSparse2GiB(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 2 GiB sparse file")
	}
	path := makeSparseMP4(t, t.TempDir())
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := &countingReaderAt{r: f}
	info, fs := Probe(context.Background(), c, sparseSize, Options{})
	if info == nil || info.DurationSeconds != 5 || len(fs) > 0 {
		t.Fatalf("Info %+v findings %v", info, fs)
	}
	if c.bytes.Load() >= 1<<20 {
		t.Errorf("read %d bytes", c.bytes.Load())
	}
	t.Logf("read %d bytes in %d calls", c.bytes.Load(), c.calls.Load())
	if ffprobe, err := exec.LookPath("ffprobe"); err == nil {
		out, err := exec.Command(ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path).Output()
		if err != nil || strings.TrimSpace(string(out)) != "5.000000" {
			t.Errorf("ffprobe: %q %v", out, err)
		}
	}
}

// BenchmarkProbeMoovAtEnd2GiB measures one Probe of the 2 GiB file and the
// bytes it reads (the file's pages are in the page cache after the first
// run).
func BenchmarkProbeMoovAtEnd2GiB(b *testing.B) {
	path := makeSparseMP4(b, b.TempDir())
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	c := &countingReaderAt{r: f}
	b.ReportAllocs()
	for b.Loop() {
		if info, fs := Probe(context.Background(), c, sparseSize, Options{}); info == nil {
			b.Fatal(fs)
		}
	}
	b.ReportMetric(float64(c.bytes.Load())/float64(b.N), "bytes-read/op")
	b.ReportMetric(float64(c.calls.Load())/float64(b.N), "reads/op")
}

// BenchmarkProbeFixtures probes each measurable fixture.
func BenchmarkProbeFixtures(b *testing.B) {
	for _, fx := range fixtures {
		if fx.ref == "" {
			continue
		}
		b.Run(fx.file, func(b *testing.B) {
			path := filepath.Join("testdata", fx.file)
			b.ReportAllocs()
			for b.Loop() {
				if info, fs := ProbeFile(context.Background(), path, Options{}); info == nil {
					b.Fatal(fs)
				}
			}
		})
	}
}

// BenchmarkVersusFFprobe times ProbeFile and `ffprobe -show_format` (one
// process per file, as a worker would run it) over the fixture set, and
// reports the median time per file of each and their ratio.
func BenchmarkVersusFFprobe(b *testing.B) {
	ffprobe, err := exec.LookPath("ffprobe")
	if err != nil {
		b.Skip("no ffprobe on PATH")
	}
	var ours, theirs []float64
	for b.Loop() {
		for _, fx := range fixtures {
			if fx.ref == "" {
				continue
			}
			path := filepath.Join("testdata", fx.file)
			start := time.Now()
			info, _ := ProbeFile(context.Background(), path, Options{})
			ours = append(ours, float64(time.Since(start).Microseconds()))
			start = time.Now()
			out, err := exec.Command(ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path).Output()
			theirs = append(theirs, float64(time.Since(start).Microseconds()))
			if err != nil {
				b.Fatalf("%s: %v", path, err)
			}
			// Both must be measuring the same thing.
			if d, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64); err == nil && info != nil && fx.ref == "format" && math.Abs(d-info.DurationSeconds) > tolerance {
				b.Fatalf("%s: ffprobe %v, Probe %v", path, d, info.DurationSeconds)
			}
		}
	}
	mo, mt := median(ours), median(theirs)
	b.ReportMetric(mo, "probe-µs/file")
	b.ReportMetric(mt, "ffprobe-µs/file")
	b.ReportMetric(mt/mo, "ffprobe/probe")
}

func median(v []float64) float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v) == 0 {
		return 0
	}
	return v[len(v)/2]
}
