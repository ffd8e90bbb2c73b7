package notice

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/shoubao/shoubao/parsers/finding"
)

// Options limits and configures Read. The zero value is usable.
type Options struct {
	// MaxFileBytes is the largest notice file read; default 50 MB.
	MaxFileBytes int64
	// PDFToText is the pdftotext program; default "pdftotext" on PATH.
	PDFToText string
	// Timeout bounds the conversion of one file (pdftotext); default 30s.
	Timeout time.Duration
}

func (o *Options) withDefaults() Options {
	var v Options
	if o != nil {
		v = *o
	}
	if v.MaxFileBytes <= 0 {
		v.MaxFileBytes = 50 << 20
	}
	if v.PDFToText == "" {
		v.PDFToText = "pdftotext"
	}
	if v.Timeout <= 0 {
		v.Timeout = 30 * time.Second
	}
	return v
}

// Format is a notice's file format.
type Format string

// The formats Read understands.
const (
	FormatText Format = "text"
	FormatDOCX Format = "docx"
	FormatPDF  Format = "pdf"
)

// Sniff tells a notice's format from its first bytes, falling back on the
// file name's extension. It returns "" for formats Read cannot read (.doc,
// .wps, images) and their name in unsupported.
func Sniff(head []byte, name string) (f Format, unsupported string) {
	ext := strings.ToLower(filepath.Ext(name))
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return FormatPDF, ""
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		if ext == ".docx" || ext == "" || ext == ".docm" {
			return FormatDOCX, ""
		}
		if ext == ".wps" {
			return FormatDOCX, "" // WPS saves .wps as OOXML too
		}
		return "", ext + " (zip)"
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return "", "Word 97-2003 (.doc/.wps)"
	case bytes.HasPrefix(head, []byte("{\\rtf")):
		return "", "RTF"
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}), bytes.HasPrefix(head, []byte("\x89PNG")):
		return "", "image"
	}
	return FormatText, ""
}

// Read reads a notice file of size bytes: plain text (UTF-8 or
// GB18030/GBK), .docx, or .pdf with a text layer. name is used for its
// extension only. Unreadable input gives findings, not an error; the error
// is for the context and for reading r.
func Read(ctx context.Context, r io.ReaderAt, size int64, name string, opts *Options) (*Notice, []finding.Finding, error) {
	text, tables, fs, err := readText(ctx, r, size, name, opts)
	if err != nil {
		return nil, fs, err
	}
	n, pfs := parse(text, tables)
	return n, append(fs, pfs...), nil
}

func readText(ctx context.Context, r io.ReaderAt, size int64, name string, opts *Options) (string, [][]tableRow, []finding.Finding, error) {
	o := opts.withDefaults()
	if size > o.MaxFileBytes {
		return "", nil, []finding.Finding{finding.New("notice_too_large", "通知文件有 %d 字节，超过上限 %d 字节，未读取", size, o.MaxFileBytes)}, nil
	}
	head := make([]byte, min(size, 512))
	if _, err := r.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		return "", nil, nil, fmt.Errorf("read notice %s: %w", name, err)
	}
	format, unsupported := Sniff(head, name)
	if format == FormatPDF {
		return pdfText(ctx, r, size, o)
	}
	text, fs, err := readOther(ctx, r, size, name, format, unsupported)
	return text, nil, fs, err
}

func readOther(ctx context.Context, r io.ReaderAt, size int64, name string, format Format, unsupported string) (string, []finding.Finding, error) {
	switch format {
	case FormatDOCX:
		return docxText(ctx, r, size)
	case FormatText:
		b := make([]byte, size)
		if _, err := r.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
			return "", nil, fmt.Errorf("read notice %s: %w", name, err)
		}
		if bytes.IndexByte(b, 0) >= 0 && !bytes.HasPrefix(b, []byte{0xFF, 0xFE}) && !bytes.HasPrefix(b, []byte{0xFE, 0xFF}) {
			return "", []finding.Finding{finding.New("notice_format_unsupported", "通知文件不是文本、Word（.docx）或 PDF 文件，无法读取")}, nil
		}
		s, fs := DecodeText(b)
		return s, fs, nil
	}
	return "", []finding.Finding{finding.New("notice_format_unsupported",
		"无法读取 %s 格式的通知，请另存为 .docx、.pdf 或 .txt 后再导入", unsupported)}, nil
}
