// Package csvfile reads a delimited text table (.csv as Excel, WPS and
// LibreOffice save it; Excel's tab-separated "Unicode text") into the
// form internal/xlsx returns, under the same limits, checked as it goes.
//
// The encoding is found from the content: a byte order mark (UTF-8,
// UTF-16LE, UTF-16BE), else UTF-8 when the whole file is valid UTF-8, else
// GB18030 (which reads GBK and GB2312, what Chinese Windows writes). The
// delimiter is the one of comma, tab and semicolon that splits the first
// lines most consistently. Fields follow RFC 4180 leniently: quoted fields
// may hold delimiters, line breaks and doubled quotes; a stray quote
// inside an unquoted field is kept as text.
package csvfile

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/shoubao/shoubao/parsers/sheets/internal/xlsx"
)

// Encodings, as Info.Encoding names them.
const (
	UTF8    = "UTF-8"
	UTF16LE = "UTF-16LE"
	UTF16BE = "UTF-16BE"
	GB18030 = "GB18030"
)

// Info tells how the file was read.
type Info struct {
	Encoding  string
	BOM       bool
	Delimiter byte // ',', '\t' or ';'
}

// ErrBinary: the content is not text (NUL bytes in 8-bit text, invalid
// in every encoding tried).
var ErrBinary = errors.New("csvfile: not a text file")

// sampleBytes is how much of the start is looked at for the delimiter.
const sampleBytes = 64 << 10

// ctxEvery: the context is checked every this many bytes read.
const ctxEvery = 64 << 10

// Read reads the table in r (size bytes) as one sheet named name, under
// lim (zero fields take xlsx's defaults: MaxColumns, MaxRows, MaxCells,
// MaxCellRunes, MaxTextBytes apply). On a cancelled context it returns
// what was read with the context's error.
func Read(ctx context.Context, r io.ReaderAt, size int64, name string, lim xlsx.Limits) (*xlsx.Workbook, Info, error) {
	lim = lim.WithDefaults()
	info, enc, skip, err := detectEncoding(ctx, r, size)
	if err != nil {
		return nil, info, err
	}
	var src io.Reader = io.NewSectionReader(r, skip, size-skip)
	if enc != nil {
		src = transform.NewReader(src, enc.NewDecoder())
	}
	br := bufio.NewReaderSize(src, sampleBytes)
	sample, _ := br.Peek(sampleBytes)
	if bytes.IndexByte(sample, 0) >= 0 {
		return nil, info, ErrBinary
	}
	info.Delimiter = detectDelimiter(sample)
	sh := &xlsx.Sheet{Name: name}
	wb := &xlsx.Workbook{Sheets: []*xlsx.Sheet{sh}}
	p := &parser{ctx: ctx, br: br, lim: lim, sh: sh, delim: info.Delimiter, capRaw: 4*lim.MaxCellRunes + 16,
		cellsLeft: lim.MaxCells, textLeft: lim.MaxTextBytes}
	err = p.run()
	return wb, info, err
}

// detectEncoding finds the encoding; skip is the length of the byte
// order mark.
func detectEncoding(ctx context.Context, r io.ReaderAt, size int64) (info Info, enc encoding.Encoding, skip int64, err error) {
	head := make([]byte, min(size, 4))
	n, _ := r.ReadAt(head, 0)
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		return Info{Encoding: UTF8, BOM: true}, nil, 3, nil
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		return Info{Encoding: UTF16LE, BOM: true}, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), 2, nil
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return Info{Encoding: UTF16BE, BOM: true}, unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), 2, nil
	}
	// Valid UTF-8 throughout, read in blocks (a character may straddle
	// two blocks).
	buf := make([]byte, 64<<10)
	var carry int
	for off := int64(0); off < size; {
		if err := ctx.Err(); err != nil {
			return info, nil, 0, err
		}
		n, rerr := r.ReadAt(buf[carry:], off)
		off += int64(n)
		b := buf[:carry+n]
		if bytes.IndexByte(b, 0) >= 0 {
			return Info{}, nil, 0, ErrBinary
		}
		// Keep an incomplete character at the end for the next block.
		keep := 0
		if off < size {
			for i := len(b) - 1; i >= 0 && i >= len(b)-3; i-- {
				if b[i]&0xC0 != 0x80 {
					if !utf8.FullRune(b[i:]) {
						keep = len(b) - i
					}
					break
				}
			}
		}
		if !utf8.Valid(b[:len(b)-keep]) {
			return Info{Encoding: GB18030}, simplifiedchinese.GB18030, 0, nil
		}
		carry = copy(buf, b[len(b)-keep:])
		if rerr != nil || n == 0 {
			if rerr == io.EOF || n == 0 {
				break
			}
			return info, nil, 0, rerr
		}
	}
	if carry > 0 {
		return Info{Encoding: GB18030}, simplifiedchinese.GB18030, 0, nil
	}
	return Info{Encoding: UTF8}, nil, 0, nil
}

// detectDelimiter picks the delimiter that splits the sample's first
// lines most consistently: the one found on most lines, more often.
func detectDelimiter(sample []byte) byte {
	best, bestScore := byte(','), 0
	for _, d := range []byte{',', '\t', ';'} {
		lines, counts := 0, map[int]int{}
		inQuote := false
		n := 0
		for i, c := range sample {
			switch {
			case c == '"':
				inQuote = !inQuote
			case inQuote:
			case c == d:
				n++
			case c == '\n' || i == len(sample)-1:
				if n > 0 {
					counts[n]++
				}
				lines++
				n = 0
			}
			if lines >= 50 {
				break
			}
		}
		// lines with the most common count, weighted by that count
		score := 0
		for k, v := range counts {
			score = max(score, v*1000+k)
		}
		if score > bestScore {
			best, bestScore = d, score
		}
	}
	return best
}

// parser splits the decoded text into rows and fields.
type parser struct {
	ctx   context.Context
	br    *bufio.Reader
	lim   xlsx.Limits
	sh    *xlsx.Sheet
	delim byte

	capRaw    int
	cellsLeft int
	textLeft  int64
	read      int64

	row    int // zero-based index of the current row
	text   []byte
	ends   []int // end of each field in text
	over   bool  // the current field passed capRaw
	col    int
	skip   bool // the rest of the row is past MaxColumns
	cutRow int  // fields of the current row cut
}

func (p *parser) run() error {
	const (
		fieldStart = iota
		unquoted
		quoted
		quoteInQuoted // a quote inside a quoted field: doubled, or its end
	)
	st := fieldStart
	for {
		c, err := p.br.ReadByte()
		if err != nil {
			if st != fieldStart || len(p.ends) > 0 || len(p.text) > 0 {
				p.endField()
				p.endRow()
			}
			if err == io.EOF {
				return nil
			}
			return err
		}
		if p.read++; p.read%ctxEvery == 0 {
			if err := p.ctx.Err(); err != nil {
				return err
			}
		}
		switch st {
		case fieldStart, unquoted:
			switch {
			case c == '"' && st == fieldStart:
				st = quoted
			case c == p.delim:
				p.endField()
				st = fieldStart
			case c == '\n' || c == '\r':
				if c == '\r' {
					if n, _ := p.br.Peek(1); len(n) == 1 && n[0] == '\n' {
						p.br.ReadByte()
					}
				}
				p.endField()
				if p.endRow() {
					return nil
				}
				st = fieldStart
			default:
				p.add(c)
				st = unquoted
			}
		case quoted:
			if c == '"' {
				st = quoteInQuoted
			} else {
				p.add(c)
			}
		case quoteInQuoted:
			switch {
			case c == '"':
				p.add('"')
				st = quoted
			case c == p.delim:
				p.endField()
				st = fieldStart
			case c == '\n' || c == '\r':
				if c == '\r' {
					if n, _ := p.br.Peek(1); len(n) == 1 && n[0] == '\n' {
						p.br.ReadByte()
					}
				}
				p.endField()
				if p.endRow() {
					return nil
				}
				st = fieldStart
			default:
				// "abc"def: the text after the closing quote is kept
				p.add(c)
				st = unquoted
			}
		}
	}
}

// add appends a byte to the current field, up to capRaw bytes.
func (p *parser) add(c byte) {
	if p.skip {
		return
	}
	start := 0
	if len(p.ends) > 0 {
		start = p.ends[len(p.ends)-1]
	}
	if len(p.text)-start >= p.capRaw {
		p.over = true
		return
	}
	p.text = append(p.text, c)
}

// endField closes the current field.
func (p *parser) endField() {
	if p.skip {
		return
	}
	if p.col >= p.lim.MaxColumns {
		// the field past the limit: drop it and the rest of the row
		start := 0
		if len(p.ends) > 0 {
			start = p.ends[len(p.ends)-1]
		}
		if len(p.text) > start {
			if p.sh.SkippedRows == 0 {
				p.sh.SkippedAt = xlsx.ColumnName(min(p.col, xlsx.MaxExcelColumns-1)) + strconv.Itoa(p.row+1)
			}
			p.sh.SkippedRows++
			p.skip = true
		}
		p.text = p.text[:start]
		return
	}
	start := 0
	if len(p.ends) > 0 {
		start = p.ends[len(p.ends)-1]
	}
	// cut to MaxCellRunes characters, keeping valid UTF-8
	f := p.text[start:]
	cut := p.over
	if len(f) > p.lim.MaxCellRunes {
		n := 0
		for i := 0; i < len(f); {
			if n == p.lim.MaxCellRunes {
				p.text, cut = p.text[:start+i], true
				break
			}
			_, size := utf8.DecodeRune(f[i:])
			i += size
			n++
		}
	}
	if !utf8.Valid(p.text[start:]) {
		fixed := bytes.ToValidUTF8(p.text[start:], []byte("\uFFFD"))
		p.text = append(p.text[:start], fixed...)
	}
	if cut {
		p.cutRow++
	}
	p.over = false
	p.ends = append(p.ends, len(p.text))
	p.col++
}

// endRow keeps the current row; true when the sheet's rows ended (a
// limit).
func (p *parser) endRow() bool {
	defer func() {
		p.text, p.ends, p.col, p.skip, p.over, p.cutRow = p.text[:0], p.ends[:0], 0, false, false, 0
		p.row++
	}()
	sh := p.sh
	width := 0
	for i, e := range p.ends {
		start := 0
		if i > 0 {
			start = p.ends[i-1]
		}
		if e > start {
			width = i + 1
		}
	}
	if width == 0 {
		return false
	}
	switch {
	case p.row >= p.lim.MaxRows:
		sh.Stop = xlsx.StopRows
		return true
	case width > p.cellsLeft:
		sh.Stop = xlsx.StopCells
		return true
	case int64(len(p.text)) > p.textLeft:
		sh.Stop = xlsx.StopText
		return true
	}
	sh.CutCells += p.cutRow
	for len(sh.Rows) < p.row {
		sh.Rows = append(sh.Rows, nil)
	}
	all := string(p.text)
	row := make([]string, width)
	for i := range width {
		start := 0
		if i > 0 {
			start = p.ends[i-1]
		}
		row[i] = all[start:p.ends[i]]
	}
	sh.Rows = append(sh.Rows, row)
	p.cellsLeft -= width
	p.textLeft -= int64(len(p.text))
	return false
}
