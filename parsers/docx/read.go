package docx

import (
	"archive/zip"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/shoubao/shoubao/parsers/finding"
)

// Default limits, used for zero fields of Options.
const (
	DefaultMaxBytes    = 64 << 20
	DefaultMaxElements = 2_000_000
	DefaultMaxDepth    = 200
)

// Options bounds the work Read does. Zero fields take the defaults.
type Options struct {
	// MaxBytes is the most uncompressed bytes of the document part read
	// (default DefaultMaxBytes); the rest is dropped with a finding.
	MaxBytes int64
	// MaxElements is the most XML elements read (default DefaultMaxElements).
	MaxElements int
	// MaxDepth is the deepest element nesting accepted (default
	// DefaultMaxDepth).
	MaxDepth int
}

func (o Options) withDefaults() Options {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxElements <= 0 {
		o.MaxElements = DefaultMaxElements
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	return o
}

// Finding codes reported by Read.
const (
	// CodeUnreadable: not a zip archive, or no document part in it.
	CodeUnreadable = "docx_unreadable"
	// CodeMalformed: the document part is damaged; what came before the
	// damage is returned.
	CodeMalformed = "docx_malformed"
	// CodeTooLarge: the document part is larger than Options.MaxBytes.
	CodeTooLarge = "docx_too_large"
	// CodeTooManyElements: more XML elements than Options.MaxElements.
	CodeTooManyElements = "docx_too_many_elements"
	// CodeTooDeep: elements nested deeper than Options.MaxDepth.
	CodeTooDeep = "docx_too_deep"
	// CodeNestedTable: a table inside a table cell, flattened into the
	// cell's text.
	CodeNestedTable = "docx_nested_table"
)

// XML namespaces of WordprocessingML (transitional and strict) and of
// markup compatibility.
const (
	nsW       = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	nsWStrict = "http://purl.oclc.org/ooxml/wordprocessingml/main"
	nsMC      = "http://schemas.openxmlformats.org/markup-compatibility/2006"
)

// ReadFile opens the file at name and reads it like Read.
func ReadFile(ctx context.Context, name string, opts Options) (*Document, []finding.Finding, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, fmt.Errorf("docx: open: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("docx: stat: %w", err)
	}
	return Read(ctx, f, st.Size(), opts)
}

// Read reads the .docx held by r (size bytes). Bad input is never an
// error: the Document holds what could be read and the findings say what
// went wrong (a file that is not a .docx gives an empty Document and a
// docx_unreadable finding). The error is non-nil only when ctx is done or
// r itself fails to read.
func Read(ctx context.Context, r io.ReaderAt, size int64, opts Options) (*Document, []finding.Finding, error) {
	opts = opts.withDefaults()
	rec := &recordingReaderAt{r: r}
	doc := &Document{}
	var fl finding.List

	zr, err := zip.NewReader(rec, size)
	if err != nil {
		if rec.err != nil {
			return nil, nil, fmt.Errorf("docx: read zip directory: %w", rec.err)
		}
		fl.Add(CodeUnreadable, "无法读取 Word 文档：不是有效的 .docx（zip）文件（%v）", err)
		return doc, fl, nil
	}
	part := documentPart(zr, opts)
	if part == nil {
		fl.Add(CodeUnreadable, "无法读取 Word 文档：文件中没有正文部分（word/document.xml）")
		return doc, fl, nil
	}
	if part.UncompressedSize64 > uint64(opts.MaxBytes) {
		fl.Add(CodeTooLarge, "Word 正文过大（%d 字节，上限 %d 字节），只读取了前面部分", part.UncompressedSize64, opts.MaxBytes)
	}
	rc, err := part.Open()
	if err != nil {
		if rec.err != nil {
			return nil, nil, fmt.Errorf("docx: open document part: %w", rec.err)
		}
		fl.Add(CodeUnreadable, "无法读取 Word 文档正文：%v", err)
		return doc, fl, nil
	}
	defer rc.Close()
	lr := &countingReader{r: rc, left: opts.MaxBytes}
	p := &bodyReader{opts: opts, doc: doc, fl: &fl}
	err = p.run(ctx, lr)
	p.finish()
	switch {
	case ctx.Err() != nil:
		return nil, nil, fmt.Errorf("docx: read: %w", ctx.Err())
	case rec.err != nil:
		return nil, nil, fmt.Errorf("docx: read document part: %w", rec.err)
	case lr.hitLimit:
		if !fl.Has(CodeTooLarge) {
			fl.Add(CodeTooLarge, "Word 正文过大（上限 %d 字节），只读取了前面部分", opts.MaxBytes)
		}
	case err != nil:
		fl.Add(CodeMalformed, "Word 文档正文已损坏，只读取了损坏处之前的内容（%v）", err)
	}
	return doc, fl, nil
}

// documentPart finds the main document part: the target of the package's
// officeDocument relationship, else word/document.xml.
func documentPart(zr *zip.Reader, opts Options) *zip.File {
	byName := func(name string) *zip.File {
		name = strings.TrimPrefix(name, "/")
		for _, f := range zr.File {
			if f.Name == name {
				return f
			}
		}
		for _, f := range zr.File {
			if strings.EqualFold(f.Name, name) {
				return f
			}
		}
		return nil
	}
	if rels := byName("_rels/.rels"); rels != nil && rels.UncompressedSize64 < 1<<20 {
		if target := officeDocumentTarget(rels); target != "" {
			if f := byName(path.Clean("/" + target)); f != nil {
				return f
			}
		}
	}
	return byName("word/document.xml")
}

// officeDocumentTarget returns the Target of the officeDocument relationship
// in a package relationships part, or "".
func officeDocumentTarget(f *zip.File) string {
	rc, err := f.Open()
	if err != nil {
		return ""
	}
	defer rc.Close()
	var rels struct {
		Rel []struct {
			Type   string `xml:"Type,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := xml.NewDecoder(io.LimitReader(rc, 1<<20)).Decode(&rels); err != nil {
		return ""
	}
	for _, r := range rels.Rel {
		if strings.HasSuffix(r.Type, "/officeDocument") {
			return r.Target
		}
	}
	return ""
}

// errNegativeOffset is returned for reads the zip structures place before
// the start of the file.
var errNegativeOffset = errors.New("docx: negative offset in zip structure")

// errStop ends the token loop after a limit finding was added.
var errStop = errors.New("docx: limit reached")

// bodyReader turns the token stream of the document part into blocks.
type bodyReader struct {
	opts     Options
	doc      *Document
	fl       *finding.List
	stack    []string // local names of open elements; "" for foreign ones
	paras    []*strings.Builder
	tables   []*tableState
	elements int
	nested   bool // a nested table was reported
}

type tableState struct {
	rows [][]Cell
	row  []Cell
	cell *cellState
}

type cellState struct {
	paras  []string
	span   int
	vmerge string
}

func (p *bodyReader) run(ctx context.Context, r io.Reader) error {
	dec := xml.NewDecoder(r)
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			p.elements++
			if p.elements > p.opts.MaxElements {
				p.fl.Add(CodeTooManyElements, "Word 文档元素过多（上限 %d 个），只读取了前面部分", p.opts.MaxElements)
				return errStop
			}
			if len(p.stack) >= p.opts.MaxDepth {
				p.fl.Add(CodeTooDeep, "Word 文档嵌套过深（上限 %d 层），只读取了前面部分", p.opts.MaxDepth)
				return errStop
			}
			if t.Name.Space == nsMC && t.Name.Local == "Fallback" {
				// QUIRK: mc:AlternateContent repeats a text box in its
				// Choice and its Fallback; read the Choice only.
				if err := dec.Skip(); err != nil {
					return err
				}
				continue
			}
			local := ""
			if t.Name.Space == nsW || t.Name.Space == nsWStrict {
				local = t.Name.Local
			}
			p.start(local, t.Attr)
			p.stack = append(p.stack, local)
		case xml.EndElement:
			if len(p.stack) == 0 {
				continue
			}
			local := p.stack[len(p.stack)-1]
			p.stack = p.stack[:len(p.stack)-1]
			p.end(local)
		case xml.CharData:
			if len(p.stack) > 0 && p.stack[len(p.stack)-1] == "t" && len(p.paras) > 0 {
				p.paras[len(p.paras)-1].Write(t)
			}
		}
	}
}

// parent returns the local name of the innermost open element.
func (p *bodyReader) parent() string {
	if len(p.stack) == 0 {
		return ""
	}
	return p.stack[len(p.stack)-1]
}

func (p *bodyReader) start(local string, attrs []xml.Attr) {
	switch local {
	case "p":
		p.paras = append(p.paras, &strings.Builder{})
	case "tab", "br", "cr", "noBreakHyphen":
		if p.parent() != "r" || len(p.paras) == 0 {
			return
		}
		b := p.paras[len(p.paras)-1]
		switch local {
		case "tab":
			b.WriteByte('\t')
		case "noBreakHyphen":
			b.WriteByte('-')
		default:
			b.WriteByte('\n')
		}
	case "tbl":
		p.tables = append(p.tables, &tableState{})
	case "tr":
		if t := p.table(); t != nil {
			t.row = nil
		}
	case "tc":
		if t := p.table(); t != nil {
			t.cell = &cellState{span: 1}
		}
	case "gridSpan":
		if c := p.cell(); c != nil && p.parent() == "tcPr" {
			if n, err := strconv.Atoi(attrVal(attrs)); err == nil {
				c.span = min(max(n, 1), MaxGridColumns)
			}
		}
	case "vMerge":
		if c := p.cell(); c != nil && p.parent() == "tcPr" {
			if attrVal(attrs) == "restart" {
				c.vmerge = "restart"
			} else {
				c.vmerge = "continue"
			}
		}
	}
}

func (p *bodyReader) end(local string) {
	switch local {
	case "p":
		if len(p.paras) == 0 {
			return
		}
		text := p.paras[len(p.paras)-1].String()
		p.paras = p.paras[:len(p.paras)-1]
		p.emitParagraph(text)
	case "tc":
		t := p.table()
		if t == nil || t.cell == nil {
			return
		}
		c := t.cell
		t.row = append(t.row, Cell{Text: strings.Join(c.paras, "\n"), GridSpan: c.span, VMerge: c.vmerge})
		t.cell = nil
	case "tr":
		if t := p.table(); t != nil {
			t.rows = append(t.rows, t.row)
			t.row = nil
		}
	case "tbl":
		p.closeTable()
	}
}

// emitParagraph puts a finished paragraph into the open cell, else into
// the body.
func (p *bodyReader) emitParagraph(text string) {
	if c := p.cell(); c != nil {
		c.paras = append(c.paras, text)
		return
	}
	p.doc.Blocks = append(p.doc.Blocks, Block{Paragraph: text})
}

// closeTable finishes the innermost table: into the body, or flattened
// into the enclosing cell when nested.
func (p *bodyReader) closeTable() {
	t := p.table()
	if t == nil {
		return
	}
	p.tables = p.tables[:len(p.tables)-1]
	if len(t.row) > 0 {
		t.rows = append(t.rows, t.row)
	}
	if len(p.tables) == 0 {
		p.doc.Blocks = append(p.doc.Blocks, Block{Table: &Table{Rows: t.rows}})
		return
	}
	if !p.nested {
		p.nested = true
		p.fl.Add(CodeNestedTable, "Word 表格中嵌套了表格，嵌套表格的内容已并入所在单元格的文字")
	}
	for _, row := range t.rows {
		p.emitParagraph(rowText(row))
	}
}

// finish closes whatever is still open after the stream ended early, so
// that partial content is kept.
func (p *bodyReader) finish() {
	for len(p.paras) > 0 {
		p.end("p")
	}
	for len(p.tables) > 0 {
		if t := p.table(); t.cell != nil {
			p.end("tc")
		}
		p.closeTable()
	}
}

func (p *bodyReader) table() *tableState {
	if len(p.tables) == 0 {
		return nil
	}
	return p.tables[len(p.tables)-1]
}

func (p *bodyReader) cell() *cellState {
	if t := p.table(); t != nil {
		return t.cell
	}
	return nil
}

// attrVal returns the value of the w:val attribute.
func attrVal(attrs []xml.Attr) string {
	for _, a := range attrs {
		if a.Name.Local == "val" {
			return a.Value
		}
	}
	return ""
}

// recordingReaderAt remembers the first error of the underlying reader
// other than io.EOF, so that I/O failures can be told from bad input.
type recordingReaderAt struct {
	r   io.ReaderAt
	err error
}

func (r *recordingReaderAt) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 {
		// A damaged zip directory can point before the file's start:
		// bad input, not an I/O failure.
		return 0, errNegativeOffset
	}
	n, err := r.r.ReadAt(b, off)
	if err != nil && err != io.EOF && r.err == nil {
		r.err = err
	}
	return n, err
}

// countingReader reads at most left bytes and notes when more were there.
type countingReader struct {
	r        io.Reader
	left     int64
	hitLimit bool
}

func (c *countingReader) Read(b []byte) (int, error) {
	if c.left <= 0 {
		// Probe one byte to tell "exactly at the limit" from "over it".
		var one [1]byte
		if n, _ := c.r.Read(one[:]); n > 0 {
			c.hitLimit = true
		}
		return 0, io.EOF
	}
	if int64(len(b)) > c.left {
		b = b[:c.left]
	}
	n, err := c.r.Read(b)
	c.left -= int64(n)
	return n, err
}
