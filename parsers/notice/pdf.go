package notice

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/shoubao/shoubao/parsers/finding"
)

// maxPDFText caps what is read from pdftotext.
const maxPDFText = 8 << 20

// pdfText extracts a PDF's text layer with poppler's pdftotext, bounded in
// time and output. A PDF without a text layer (a scan) gives a finding:
// shoubao does not do OCR.
func pdfText(ctx context.Context, r io.ReaderAt, size int64, o Options) (string, [][]tableRow, []finding.Finding, error) {
	bin, err := exec.LookPath(o.PDFToText)
	if err != nil {
		return "", nil, []finding.Finding{finding.New("pdftotext_missing", "读取 PDF 通知需要 pdftotext（poppler-utils），本机未安装；请安装后重试，或改用 .docx/.txt")}, nil
	}
	f, err := os.CreateTemp("", "shoubao-notice-*.pdf")
	if err != nil {
		return "", nil, nil, fmt.Errorf("pdf text: %w", err)
	}
	defer os.Remove(f.Name())
	_, err = io.Copy(f, io.NewSectionReader(r, 0, size))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", nil, nil, fmt.Errorf("pdf text: copy: %w", err)
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	// Reading order, not -layout: table cells come out one after another,
	// sentences stay whole.
	cmd := exec.CommandContext(ctx, bin, "-enc", "UTF-8", "-l", "200", f.Name(), "-")
	var out limitedBuffer
	out.max = maxPDFText
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	err = cmd.Run()
	var fs []finding.Finding
	switch {
	case parent.Err() != nil:
		return "", nil, nil, fmt.Errorf("pdf text: %w", parent.Err())
	case ctx.Err() != nil:
		return "", nil, []finding.Finding{finding.New("pdf_timeout", "PDF 通知在 %s 内未能读出文字，已放弃", o.Timeout)}, nil
	case err != nil && out.Len() == 0:
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 200 {
			msg = msg[:200]
		}
		return "", nil, []finding.Finding{finding.New("pdf_unreadable", "PDF 通知无法读取（%s）", msg)}, nil
	}
	if out.truncated {
		fs = append(fs, finding.New("notice_truncated", "PDF 通知的文字超过 %d 字节，只读取了前面部分", maxPDFText))
	}
	text := strings.ToValidUTF8(out.String(), "\uFFFD")
	if strings.TrimSpace(strings.ReplaceAll(text, "\f", "")) == "" {
		return "", nil, append(fs, finding.New("pdf_no_text_layer", "PDF 通知没有文字层（可能是扫描件），无法读取；请使用原始 Word 文件或文字版 PDF")), nil
	}
	// The tables, from the word boxes; a failure here costs only the
	// units.
	var tables [][]tableRow
	cmd = exec.CommandContext(ctx, bin, "-tsv", "-enc", "UTF-8", "-l", "200", f.Name(), "-")
	var tsv limitedBuffer
	tsv.max = 4 * maxPDFText
	cmd.Stdout = &tsv
	if err := cmd.Run(); err == nil && !tsv.truncated {
		tables = pdfTables(parseTSV(tsv.String()))
	}
	return dropPageNumbers(text), tables, fs, nil
}

// dropPageNumbers removes the page number lines ("— 5 —", "- 5 -") that
// pdftotext emits between pages, which would otherwise split sentences.
func dropPageNumbers(text string) string {
	lines := strings.Split(text, "\n")
	out := lines[:0]
	for _, l := range lines {
		t := strings.Trim(strings.TrimSpace(strings.TrimLeft(l, "\f")), "-—–－ ")
		if t != "" && len(t) <= 3 && strings.Trim(t, "0123456789") == "" && strings.TrimSpace(l) != t {
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// limitedBuffer keeps the first max bytes written and drops the rest.
type limitedBuffer struct {
	bytes.Buffer
	max       int
	truncated bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room < len(p) {
		b.truncated = true
		if room > 0 {
			b.Buffer.Write(p[:room])
		}
		return len(p), nil
	}
	return b.Buffer.Write(p)
}
