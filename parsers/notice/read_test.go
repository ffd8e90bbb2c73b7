package notice

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoubao/shoubao/parsers/finding"
)

func TestReadFailures(t *testing.T) {
	dir := t.TempDir()
	slow := filepath.Join(dir, "slow-pdftotext")
	if err := os.WriteFile(slow, []byte("#!/bin/sh\nexec sleep 10\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(dir, "broken-pdftotext")
	if err := os.WriteFile(broken, []byte("#!/bin/sh\necho 'Syntax Error: Couldn'\\''t read xref table' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	pdf, err := os.ReadFile("testdata/jincheng-2026-notice.pdf")
	if err != nil {
		t.Fatal(err)
	}
	scanned, err := os.ReadFile("testdata/scanned.pdf")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		file string
		opts *Options
		code string
	}{
		{"scanned pdf", scanned, "notice.pdf", nil, "pdf_no_text_layer"},
		{"no pdftotext", pdf, "notice.pdf", &Options{PDFToText: filepath.Join(dir, "absent")}, "pdftotext_missing"},
		{"pdftotext hangs", pdf, "notice.pdf", &Options{PDFToText: slow, Timeout: 200 * time.Millisecond}, "pdf_timeout"},
		{"pdftotext fails", pdf, "notice.pdf", &Options{PDFToText: broken}, "pdf_unreadable"},
		{"too large", []byte("关于举办活动的通知"), "notice.txt", &Options{MaxFileBytes: 10}, "notice_too_large"},
		{"word 97", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 100)...), "notice.doc", nil, "notice_format_unsupported"},
		{"binary", []byte("\x00\x01\x02garbage\x00"), "notice.txt", nil, "notice_format_unsupported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if strings.Contains(tc.name, "scanned") {
				needPDFToText(t)
			}
			start := time.Now()
			n, fs, err := Read(t.Context(), bytes.NewReader(tc.data), int64(len(tc.data)), tc.file, tc.opts)
			if err != nil {
				t.Fatalf("error %v; want a finding", err)
			}
			if !finding.List(fs).Has(tc.code) {
				t.Errorf("findings %v, want %s", fs, tc.code)
			}
			if n == nil || n.Deadline != nil || len(n.Mailboxes) != 0 {
				t.Errorf("notice %+v, want an empty one", n)
			}
			if time.Since(start) > 5*time.Second {
				t.Errorf("took %v", time.Since(start))
			}
		})
	}
}

func TestReadCanceled(t *testing.T) {
	needPDFToText(t)
	pdf, err := os.ReadFile("testdata/jincheng-2026-notice.pdf")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, _, err := Read(ctx, bytes.NewReader(pdf), int64(len(pdf)), "n.pdf", nil); err == nil {
		t.Error("canceled context: no error")
	}
}

// TestReadLongText checks the limits on text: a huge input is cut, not
// read whole, and a single enormous line does not stall matching.
func TestReadLongText(t *testing.T) {
	b, err := os.ReadFile("testdata/jincheng-2026-notice.txt")
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat(b, MaxTextBytes/len(b)+2)
	start := time.Now()
	_, fs := Parse(string(big))
	if !finding.List(fs).Has("notice_truncated") {
		t.Errorf("findings %v, want notice_truncated", fs)
	}
	line := strings.Repeat("于6月8日前将总结报送至a@163.com，", 40000)
	n, _ := Parse(line)
	if n == nil {
		t.Fatal("nil notice")
	}
	// Generous: a hang, not a slow machine (or -race), is what this catches.
	if d := time.Since(start); d > 60*time.Second {
		t.Errorf("took %v", d)
	}
}
