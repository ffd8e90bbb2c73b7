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
	"unicode/utf8"

	"github.com/shoubao/shoubao/parsers/finding"
)

// Default limits, used for zero fields of Options.
const (
	DefaultMaxBytes          = 64 << 20
	DefaultMaxElements       = 2_000_000
	DefaultMaxDepth          = 200
	DefaultMaxParagraphBytes = 1 << 20
	DefaultMaxTextBytes      = 16 << 20
	DefaultMaxParagraphs     = 200_000
	DefaultMaxTables         = 2_000
	DefaultMaxRows           = 20_000
	DefaultMaxCells          = 100_000
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
	// MaxParagraphBytes is the most text kept of one paragraph (default
	// DefaultMaxParagraphBytes, 1 MiB); the rest of it is dropped before
	// the XML decoder buffers it, with a docx_too_large finding.
	MaxParagraphBytes int
	// MaxTextBytes is the most text kept in all (default
	// DefaultMaxTextBytes, 16 MiB); reading stops there.
	MaxTextBytes int
	// MaxParagraphs, MaxTables, MaxRows and MaxCells bound the blocks kept
	// (defaults 200,000 paragraphs, 2,000 tables, 20,000 rows and 100,000
	// cells in all tables); reading stops at the first one reached, with a
	// docx_too_many_elements finding.
	MaxParagraphs int
	MaxTables     int
	MaxRows       int
	MaxCells      int
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
	setDefault(&o.MaxParagraphBytes, DefaultMaxParagraphBytes)
	setDefault(&o.MaxTextBytes, DefaultMaxTextBytes)
	setDefault(&o.MaxParagraphs, DefaultMaxParagraphs)
	setDefault(&o.MaxTables, DefaultMaxTables)
	setDefault(&o.MaxRows, DefaultMaxRows)
	setDefault(&o.MaxCells, DefaultMaxCells)
	return o
}

// Finding codes reported by Read.
const (
	// CodeUnreadable: not a zip archive, or no document part in it.
	CodeUnreadable = "docx_unreadable"
	// CodeMalformed: the document part is damaged; what came before the
	// damage is returned.
	CodeMalformed = "docx_malformed"
	// CodeTooLarge: the document part is larger than Options.MaxBytes, a
	// paragraph's text longer than Options.MaxParagraphBytes (cut), all
	// text longer than Options.MaxTextBytes, or one tag or comment longer
	// than DefaultMaxMarkupBytes.
	CodeTooLarge = "docx_too_large"
	// CodeTooManyElements: more XML elements than Options.MaxElements, or
	// more paragraphs, tables, rows or cells than their limits.
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
	cr := newCapReader(ctx, lr, opts.MaxParagraphBytes, DefaultMaxMarkupBytes)
	p := &bodyReader{opts: opts, doc: doc, fl: &fl}
	err = p.run(ctx, cr)
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
	case cr.tooLong:
		fl.Add(CodeTooLarge, "Word 正文中有一个标记或注释过长（上限 %d 字节），只读取了它之前的内容", DefaultMaxMarkupBytes)
	case err != nil && !errors.Is(err, errStop):
		fl.Add(CodeMalformed, "Word 文档正文已损坏，只读取了损坏处之前的内容（%v）", err)
	}
	if cr.cut > 0 || p.cutParas > 0 {
		fl.Add(CodeTooLarge, "Word 文档中有 %d 处文字过长（一段超过 %d 字节），只保留了每段的前面部分", max(cr.cut, p.cutParas), opts.MaxParagraphBytes)
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

// bodyReader turns the token stream of the document part into blocks,
// checking the limits on what it keeps as it goes.
type bodyReader struct {
	opts     Options
	doc      *Document
	fl       *finding.List
	stack    []string // local names of open elements; "" for foreign ones
	paras    []*paraState
	tables   []*tableState
	elements int
	nested   bool // a nested table was reported

	text       int // bytes of text kept
	paragraphs int // paragraphs kept (body and cells)
	tableCount int
	rows       int
	cells      int
	cutParas   int // paragraphs whose text was cut
	full       bool
}

// paraState is an open paragraph.
type paraState struct {
	b   strings.Builder
	cut bool
}

// write adds text to the innermost open paragraph within the limits.
func (p *bodyReader) write(s []byte) error {
	if len(p.paras) == 0 {
		return nil
	}
	para := p.paras[len(p.paras)-1]
	room := min(p.opts.MaxParagraphBytes-para.b.Len(), p.opts.MaxTextBytes-p.text)
	if len(s) > room {
		s = s[:max(room, 0)]
		for len(s) > 0 && !utf8.FullRune(s[lastRuneStart(s):]) {
			s = s[:lastRuneStart(s)]
		}
		if !para.cut {
			para.cut = true
			p.cutParas++
		}
	}
	para.b.Write(s)
	p.text += len(s)
	if p.text >= p.opts.MaxTextBytes {
		p.fl.Add(CodeTooLarge, "Word 文档文字过多（上限 %d 字节），只读取了前面部分", p.opts.MaxTextBytes)
		return errStop
	}
	return nil
}

// lastRuneStart returns the index where the last (maybe incomplete) UTF-8
// sequence of s starts.
func lastRuneStart(s []byte) int {
	i := len(s) - 1
	for i > 0 && len(s)-i < utf8.UTFMax && s[i]&0xC0 == 0x80 {
		i--
	}
	return max(i, 0)
}

// limit adds the too-many-elements finding for what and stops the read.
func (p *bodyReader) limit(what string, n int) error {
	p.fl.Add(CodeTooManyElements, "Word 文档中的%s过多（上限 %d 个），只读取了前面部分", what, n)
	return errStop
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
			if err := p.start(local, t.Attr); err != nil {
				return err
			}
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
				if err := p.write(t); err != nil {
					return err
				}
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

func (p *bodyReader) start(local string, attrs []xml.Attr) error {
	switch local {
	case "p":
		p.paragraphs++
		if p.paragraphs > p.opts.MaxParagraphs {
			return p.limit("段落", p.opts.MaxParagraphs)
		}
		p.paras = append(p.paras, &paraState{})
	case "tab", "br", "cr", "noBreakHyphen":
		if p.parent() != "r" || len(p.paras) == 0 {
			return nil
		}
		switch local {
		case "tab":
			return p.write([]byte{'\t'})
		case "noBreakHyphen":
			return p.write([]byte{'-'})
		default:
			return p.write([]byte{'\n'})
		}
	case "tbl":
		p.tableCount++
		if p.tableCount > p.opts.MaxTables {
			return p.limit("表格", p.opts.MaxTables)
		}
		p.tables = append(p.tables, &tableState{})
	case "tr":
		if t := p.table(); t != nil {
			p.rows++
			if p.rows > p.opts.MaxRows {
				return p.limit("表格行", p.opts.MaxRows)
			}
			t.row = nil
		}
	case "tc":
		if t := p.table(); t != nil {
			p.cells++
			if p.cells > p.opts.MaxCells {
				return p.limit("表格单元格", p.opts.MaxCells)
			}
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
	return nil
}

func (p *bodyReader) end(local string) {
	switch local {
	case "p":
		if len(p.paras) == 0 {
			return
		}
		text := p.paras[len(p.paras)-1].b.String()
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

// errTooLarge ends the read of a document part longer than MaxBytes.
var errTooLarge = errors.New("docx: document part over the size limit")

// countingReader counts the decompressed bytes of the document part as
// they are read and fails once more than left were there (the bytes up to
// the limit are still read).
type countingReader struct {
	r        io.Reader
	left     int64
	hitLimit bool
}

func (c *countingReader) Read(b []byte) (int, error) {
	if c.hitLimit {
		return 0, errTooLarge
	}
	if c.left <= 0 {
		// Probe one byte to tell "exactly at the limit" from "over it".
		var one [1]byte
		if n, _ := c.r.Read(one[:]); n > 0 {
			c.hitLimit = true
			return 0, errTooLarge
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

func setDefault(v *int, d int) {
	if *v <= 0 {
		*v = d
	}
}
