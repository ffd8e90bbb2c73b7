package docx

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shoubao/shoubao/parsers/internal/hostile"
)

// TestHostile reads generated hostile documents: each must give its
// finding within hostile.TimeLimit (2 s; 10 s under -race) and a heap
// below hostile.HeapLimit (64 MiB), keeping what comes before and after
// the hostile part.
func TestHostile(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, fn func(io.Writer) error) string {
		t.Helper()
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := fn(f); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name  string
		file  string
		opts  Options
		code  string
		check func(t *testing.T, d *Document)
	}{
		{
			// The reported file: one 100 MB paragraph. Sheets passes a
			// 256 MiB MaxBytes, so only the paragraph limit saves memory.
			name: "100 MB paragraph", opts: Options{MaxBytes: 256 << 20},
			file: write("paragraph.docx", func(w io.Writer) error { return hostile.DocxParagraph(w, 100<<20) }),
			code: CodeTooLarge,
			check: func(t *testing.T, d *Document) {
				if len(d.Blocks) != 3 || d.Blocks[0].Paragraph != "活动总结" || d.Blocks[2].Paragraph != "结尾" {
					t.Fatalf("blocks around the long paragraph lost: %d blocks", len(d.Blocks))
				}
				p := d.Blocks[1].Paragraph
				if len(p) > DefaultMaxParagraphBytes || len(p) < DefaultMaxParagraphBytes-utf8.UTFMax || !utf8.ValidString(p) {
					t.Errorf("paragraph cut to %d bytes (valid UTF-8 %v); want about %d", len(p), utf8.ValidString(p), DefaultMaxParagraphBytes)
				}
				if !strings.HasPrefix(p, hostile.ParagraphPattern+hostile.ParagraphPattern) {
					t.Errorf("paragraph starts %q", p[:40])
				}
			},
		},
		{
			name: "default MaxBytes stops a 100 MB paragraph too",
			file: filepath.Join(dir, "paragraph.docx"),
			code: CodeTooLarge,
		},
		{
			name: "2,000,000 cells",
			file: write("cells.docx", func(w io.Writer) error { return hostile.DocxCells(w, 200_000, 10) }),
			code: CodeTooManyElements,
			check: func(t *testing.T, d *Document) {
				cells := 0
				for _, b := range d.Blocks {
					if b.Table != nil {
						for _, r := range b.Table.Rows {
							cells += len(r)
						}
					}
				}
				if cells != DefaultMaxCells {
					t.Errorf("%d cells kept; want %d", cells, DefaultMaxCells)
				}
			},
		},
		{
			name: "many paragraphs under the total text limit",
			opts: Options{MaxTextBytes: 1 << 20},
			file: write("text.docx", func(w io.Writer) error {
				return hostile.Docx(w, func(w io.Writer) error {
					for range 4000 {
						if _, err := io.WriteString(w, "<w:p><w:r><w:t>"+strings.Repeat("文字", 100)+"</w:t></w:r></w:p>"); err != nil {
							return err
						}
					}
					return nil
				})
			}),
			code: CodeTooLarge,
			check: func(t *testing.T, d *Document) {
				if n := len(d.Text()); n > 1<<20+len(d.Blocks) {
					t.Errorf("kept %d bytes of text", n)
				}
			},
		},
		{
			name: "64 MB attribute",
			file: write("attr.docx", func(w io.Writer) error {
				return hostile.Docx(w, func(w io.Writer) error {
					io.WriteString(w, `<w:p><w:r><w:t>前</w:t></w:r></w:p><w:p w:x="`)
					io.WriteString(w, strings.Repeat("a", 64<<20))
					_, err := io.WriteString(w, `"/>`)
					return err
				})
			}),
			code: CodeTooLarge,
			check: func(t *testing.T, d *Document) {
				if len(d.Blocks) == 0 || d.Blocks[0].Paragraph != "前" {
					t.Errorf("text before the attribute lost: %+v", d.Blocks)
				}
			},
		},
		{
			name: "112 MB CDATA", opts: Options{MaxBytes: 256 << 20},
			file: write("cdata.docx", func(w io.Writer) error {
				return hostile.Docx(w, func(w io.Writer) error {
					io.WriteString(w, `<w:p><w:r><w:t><![CDATA[`)
					io.WriteString(w, strings.Repeat("数据]", 16<<20))
					_, err := io.WriteString(w, `]]></w:t></w:r></w:p>`)
					return err
				})
			}),
			code: CodeTooLarge,
			check: func(t *testing.T, d *Document) {
				if len(d.Blocks) != 2 || d.Blocks[1].Paragraph != "结尾" || !strings.HasPrefix(d.Blocks[0].Paragraph, "数据]数据]") {
					t.Errorf("blocks: %d", len(d.Blocks))
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc *Document
			var fl []string
			elapsed, heap := hostile.Measure(func() {
				d, f, err := ReadFile(context.Background(), tt.file, tt.opts)
				if err != nil {
					t.Error(err)
					return
				}
				doc, fl = d, codes(f)
			})
			t.Logf("%s: %v, heap peak %.1f MiB, findings %v", tt.name, elapsed, float64(heap)/(1<<20), fl)
			if doc == nil {
				t.Fatal("no document")
			}
			if !slices.Contains(fl, tt.code) {
				t.Errorf("findings %v; want %s", fl, tt.code)
			}
			if slices.Contains(fl, CodeMalformed) {
				t.Errorf("a limit was reported as damage: %v", fl)
			}
			if elapsed > hostile.TimeLimit() {
				t.Errorf("took %v; limit %v", elapsed, hostile.TimeLimit())
			}
			if heap > hostile.HeapLimit {
				t.Errorf("heap peaked at %d MiB; limit %d MiB", heap>>20, hostile.HeapLimit>>20)
			}
			if tt.check != nil {
				tt.check(t, doc)
			}
		})
	}
}

// TestCapReaderPassesOrdinaryXML: below the limits the filter changes
// nothing, whatever the construct.
func TestCapReaderPassesOrdinaryXML(t *testing.T) {
	in := `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b>c">]><!-- c -- > --><w:document a='>' b=">"><![CDATA[a]]b]]]><w:t>a &amp; b &#x4E2D;</w:t><!---></w:document>`
	for _, chunk := range []int{1, 3, 4096} {
		c := newCapReader(context.Background(), &chunked{s: in, n: chunk}, 1<<10, 1<<10)
		out, err := io.ReadAll(c)
		if err != nil || string(out) != in || c.cut != 0 {
			t.Errorf("chunk %d: %q, %v, cut %d", chunk, out, err, c.cut)
		}
	}
}

// TestCapReaderCuts checks where runs are cut: after a whole character and
// entity, keeping the CDATA terminator, resuming at the next tag.
func TestCapReaderCuts(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<t>abcdefgh</t>", "<t>abcd</t>"},
		{"<t>abc中文</t>", "<t>abc中</t>"},
		{"<t>ab&amp;cd</t>", "<t>ab&amp;</t>"},
		{"<t>abc&#x4E2D;de</t>", "<t>abc&#x4E2D;</t>"},
		{"<t><![CDATA[abcdefgh]]></t>", "<t><![CDATA[abcd]]></t>"},
		{"<t><![CDATA[abc]]]]]]></t>", "<t><![CDATA[abc]]]></t>"},
		{"<t><![CDATA[ab]]></t>x", "<t><![CDATA[ab]]></t>x"},
	}
	for _, tt := range tests {
		c := newCapReader(context.Background(), strings.NewReader(tt.in), 4, 1<<10)
		out, err := io.ReadAll(c)
		if err != nil || string(out) != tt.want {
			t.Errorf("%q → %q, %v; want %q", tt.in, out, err, tt.want)
		}
	}
	c := newCapReader(context.Background(), strings.NewReader("<t a='"+strings.Repeat("x", 100)+"'/>"), 4, 64)
	if _, err := io.ReadAll(c); err != errMarkupTooLong || !c.tooLong {
		t.Errorf("long tag: %v", err)
	}
}

type chunked struct {
	s string
	n int
}

func (c *chunked) Read(p []byte) (int, error) {
	if c.s == "" {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.n)], c.s)
	c.s = c.s[n:]
	return n, nil
}

// TestReadCutParagraphFinding: a cut paragraph keeps its start and the
// document its other blocks.
func TestReadCutParagraphFinding(t *testing.T) {
	var buf bytes.Buffer
	if err := hostile.DocxParagraph(&buf, 5000); err != nil {
		t.Fatal(err)
	}
	doc, fl, err := Read(context.Background(), bytes.NewReader(buf.Bytes()), int64(buf.Len()), Options{MaxParagraphBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if got := codes(fl); !slices.Equal(got, []string{CodeTooLarge}) {
		t.Errorf("findings %v", got)
	}
	if len(doc.Blocks) != 3 || len(doc.Blocks[1].Paragraph) > 1000 || len(doc.Blocks[1].Paragraph) < 990 {
		t.Errorf("blocks %d, paragraph %d bytes", len(doc.Blocks), len(doc.Blocks[1].Paragraph))
	}
}
