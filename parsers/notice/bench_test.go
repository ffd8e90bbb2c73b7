package notice

import (
	"bytes"
	"os"
	"os/exec"
	"testing"
)

// BenchmarkParse measures notices per second on the real 2026 notice (24 KB,
// with its 19-row table).
func BenchmarkParse(b *testing.B) {
	raw, err := os.ReadFile("testdata/jincheng-2026-notice.txt")
	if err != nil {
		b.Fatal(err)
	}
	text := string(raw)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		Parse(text)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "notices/s")
}

// BenchmarkReadGB18030 adds detecting and decoding GBK text.
func BenchmarkReadGB18030(b *testing.B) {
	raw, err := os.ReadFile("testdata/jincheng-2024-notice.gb18030.txt")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Read(b.Context(), bytes.NewReader(raw), int64(len(raw)), "n.txt", nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "notices/s")
}

// BenchmarkReadPDF includes running pdftotext, which dominates.
func BenchmarkReadPDF(b *testing.B) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		b.Skip("pdftotext not installed")
	}
	raw, err := os.ReadFile("testdata/jincheng-2026-notice.pdf")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, _, err := Read(b.Context(), bytes.NewReader(raw), int64(len(raw)), "n.pdf", nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "notices/s")
}
