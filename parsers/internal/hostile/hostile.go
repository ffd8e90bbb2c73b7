// Package hostile writes the hostile inputs the parsers' tests use, small on
// disk and deterministic: a .docx whose single paragraph expands to any
// size, gzip streams of zeros, tar.gz archives (plain and nested bombs), and
// a message whose attachment name hides its extension behind a
// right-to-left override. Nothing here is large in memory: contents are
// streamed from a repeating pattern.
package hostile

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"time"
)

// stamp is the fixed modification time of every generated entry.
var stamp = time.Date(2024, 6, 3, 10, 15, 0, 0, time.UTC)

// repeat writes n bytes of pattern, repeated, to w.
func repeat(w io.Writer, pattern string, n int64) error {
	chunk := []byte(strings.Repeat(pattern, max(1, (64<<10)/len(pattern))))
	for n > 0 {
		k := min(n, int64(len(chunk)))
		if _, err := w.Write(chunk[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

const (
	nsW          = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	contentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`
	rels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`
)

// ParagraphPattern is what a generated paragraph repeats: Chinese and
// ASCII, so that a cut must respect UTF-8 boundaries.
const ParagraphPattern = "活动总结abc"

// Docx writes a .docx whose word/document.xml is head, then body (written
// by the callback), then tail, deflated at the fastest level (repetitive
// text shrinks about 300-fold).
func Docx(w io.Writer, body func(io.Writer) error) error {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestSpeed)
	})
	for _, p := range []struct{ name, text string }{{"[Content_Types].xml", contentTypes}, {"_rels/.rels", rels}} {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: stamp})
		if err != nil {
			return err
		}
		if _, err := io.WriteString(f, p.text); err != nil {
			return err
		}
	}
	f, err := zw.CreateHeader(&zip.FileHeader{Name: "word/document.xml", Method: zip.Deflate, Modified: stamp})
	if err != nil {
		return err
	}
	if _, err := io.WriteString(f, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="`+nsW+`"><w:body>`); err != nil {
		return err
	}
	if err := body(f); err != nil {
		return err
	}
	if _, err := io.WriteString(f, `<w:p><w:r><w:t>结尾</w:t></w:r></w:p></w:body></w:document>`); err != nil {
		return err
	}
	return zw.Close()
}

// DocxParagraph writes a .docx with a title paragraph, then one paragraph
// of n bytes of text (ParagraphPattern repeated, in a single w:t), then a
// closing paragraph "结尾".
func DocxParagraph(w io.Writer, n int64) error {
	return Docx(w, func(f io.Writer) error {
		if _, err := io.WriteString(f, `<w:p><w:r><w:t>活动总结</w:t></w:r></w:p><w:p><w:r><w:t>`); err != nil {
			return err
		}
		if err := repeat(f, ParagraphPattern, n); err != nil {
			return err
		}
		_, err := io.WriteString(f, `</w:t></w:r></w:p>`)
		return err
	})
}

// DocxCells writes a .docx holding one table of rows × cols cells, each
// with a short text.
func DocxCells(w io.Writer, rows, cols int) error {
	return Docx(w, func(f io.Writer) error {
		row := "<w:tr>" + strings.Repeat("<w:tc><w:p><w:r><w:t>1</w:t></w:r></w:p></w:tc>", cols) + "</w:tr>"
		if _, err := io.WriteString(f, "<w:tbl>"); err != nil {
			return err
		}
		if err := repeat(f, row, int64(rows)*int64(len(row))); err != nil {
			return err
		}
		_, err := io.WriteString(f, "</w:tbl>")
		return err
	})
}

// GzipZeros writes a gzip stream of n zero bytes, named name in its header
// ("" for none), at the fastest level: 2 GiB become about 2.6 MB in about
// a second. The trailer's size field says n (mod 2^32), as gzip(1) writes.
func GzipZeros(w io.Writer, name string, n int64) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
	if err != nil {
		return err
	}
	zw.Name, zw.ModTime = name, stamp
	if err := repeat(zw, "\x00", n); err != nil {
		return err
	}
	return zw.Close()
}

// Entry is one member of a generated tar.
type Entry struct {
	Name string
	Data []byte
	// Write, when set, writes Size bytes of content instead of Data.
	Write func(io.Writer) error
	Size  int64
}

// Tar writes a tar archive (PAX names when not ASCII) of the entries.
func Tar(w io.Writer, entries []Entry) error {
	tw := tar.NewWriter(w)
	for _, e := range entries {
		size := int64(len(e.Data))
		if e.Write != nil {
			size = e.Size
		}
		hdr := &tar.Header{Name: e.Name, Mode: 0o644, Size: size, ModTime: stamp, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		var err error
		if e.Write != nil {
			err = e.Write(tw)
		} else {
			_, err = tw.Write(e.Data)
		}
		if err != nil {
			return err
		}
	}
	return tw.Close()
}

// TarGz writes the entries as a gzip-compressed tar.
func TarGz(w io.Writer, entries []Entry) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
	if err != nil {
		return err
	}
	zw.ModTime = stamp
	if err := Tar(zw, entries); err != nil {
		return err
	}
	return zw.Close()
}

// NestedTarGzBomb writes outer.tar.gz holding fan copies of a tar.gz that
// holds fan copies of a gzip of inner zero bytes: fan²·inner bytes in all
// (16, 64 MiB: 16 GiB from well under a megabyte).
func NestedTarGzBomb(w io.Writer, fan int, inner int64) error {
	var gz bytes.Buffer
	if err := GzipZeros(&gz, "video.mp4", inner); err != nil {
		return err
	}
	var mid bytes.Buffer
	var entries []Entry
	for i := range fan {
		entries = append(entries, Entry{Name: fmt.Sprintf("视频%02d.mp4.gz", i), Data: gz.Bytes()})
	}
	if err := TarGz(&mid, entries); err != nil {
		return err
	}
	entries = entries[:0]
	for i := range fan {
		entries = append(entries, Entry{Name: fmt.Sprintf("材料%02d.tar.gz", i), Data: mid.Bytes()})
	}
	return TarGz(w, entries)
}

// RTLName is an attachment name that shows as "活动总结exe.docx" but ends in
// .exe: U+202E (RIGHT-TO-LEFT OVERRIDE) reverses what follows it.
const RTLName = "活动总结\u202Excod.exe"

// MessageWithAttachment writes a message from a unit with one base64
// attachment named name (RFC 2231, UTF-8) holding data.
func MessageWithAttachment(w io.Writer, name string, data []byte) error {
	enc := ""
	for _, b := range []byte(name) {
		if b < 0x80 && (b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '.' || b == '-' || b == '_') {
			enc += string(rune(b))
		} else {
			enc += fmt.Sprintf("%%%02X", b)
		}
	}
	_, err := fmt.Fprintf(w, "From: =?UTF-8?B?6auY5bmz5biC56eR5oqA5bGA?= <gpkjj@163.com>\r\n"+
		"To: jcskjhzk@163.com\r\nSubject: =?UTF-8?B?5rS75Yqo5oC757uT?=\r\nDate: Mon, 03 Jun 2024 10:15:00 +0800\r\n"+
		"Message-ID: <hostile@test.shoubao>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n"+
		"--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n总结见附件。\r\n"+
		"--B\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"+
		"Content-Disposition: attachment; filename*=UTF-8''%s\r\n\r\n%s\r\n--B--\r\n", enc, base64.StdEncoding.EncodeToString(data))
	return err
}
