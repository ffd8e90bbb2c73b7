package docx

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRead feeds arbitrary bytes to Read: it must never panic, hang or
// return an error for a reader that does not fail, and it must always
// return a document.
func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.docx")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(zipOf(f, map[string]string{"word/document.xml": "<w:document xmlns:w=\"" + nsW + "\"><w:body><w:tbl><w:tr><w:tc><w:tcPr><w:gridSpan w:val=\"99999\"/></w:tcPr><w:tbl><w:tr><w:tc><w:p><w:r><w:t>x</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:tc></w:tr></w:tbl></w:body></w:document>"}))
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := Options{MaxBytes: 1 << 20, MaxElements: 50_000, MaxDepth: 64}
		doc, _, err := Read(context.Background(), bytes.NewReader(data), int64(len(data)), opts)
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if doc == nil {
			t.Fatal("nil document")
		}
		_ = doc.Text()
		for _, b := range doc.Blocks {
			if b.Table != nil {
				g := b.Table.Grid()
				for _, row := range g {
					if len(row) > MaxGridColumns {
						t.Fatalf("grid row of %d columns", len(row))
					}
				}
			}
		}
	})
}

// FuzzDocumentXML fuzzes the body reader: the bytes become word/document.xml
// of a stored (uncompressed) zip, so that mutations reach the XML state
// machine instead of failing the zip checksums.
func FuzzDocumentXML(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.docx")
	for _, file := range files {
		zr, err := zip.OpenReader(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, zf := range zr.File {
			if zf.Name != "word/document.xml" {
				continue
			}
			rc, err := zf.Open()
			if err != nil {
				f.Fatal(err)
			}
			body, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				f.Fatal(err)
			}
			f.Add(body)
		}
		zr.Close()
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, err := zw.CreateHeader(&zip.FileHeader{Name: "word/document.xml", Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(body)
		zw.Close()
		data := buf.Bytes()
		doc, _, err := Read(context.Background(), bytes.NewReader(data), int64(len(data)), Options{MaxElements: 50_000, MaxDepth: 64})
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		_ = doc.Text()
	})
}
