// Package ods reads the cell texts of an OpenDocument spreadsheet (.ods, as
// LibreOffice and WPS "save as ODF" write it) by streaming content.xml
// from the zip, under the limits of internal/xlsx checked as it goes, and
// returns them in the form internal/xlsx does (xlsx.Workbook), so that
// package sheets treats both alike.
//
// What it reads: every table:table (hidden ones too: table:display="false"
// in the table's automatic style); rows and cells with their repeat counts
// (table:number-rows-repeated, table:number-columns-repeated) never
// expanded beyond what is kept: an empty row or cell repeated a million
// times only moves the position, a filled one is copied only while the
// row, column, cell and text limits allow; merged areas from
// table:number-columns-spanned / table:number-rows-spanned (the
// table:covered-table-cell elements they cover are left empty); values as
// stored: office:value for numbers (not the text shown, so "1,200" shown
// is 1200), office:date-value for dates ("2026-05-25"), otherwise the
// cell's text: paragraphs (text:p, text:h) joined with "\n", text:s as
// its count of spaces (bounded), text:tab, text:line-break, text:span and
// links read through, comments (office:annotation) and notes left out. A
// formula cell without a stored result is listed in Sheet.Uncached.
package ods

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shoubao/shoubao/parsers/sheets/internal/xlsx"
	"github.com/shoubao/shoubao/parsers/sheets/internal/xmlscan"
)

// Errors of Read, besides *xlsx.LimitError (xlsx.ErrTooLarge,
// xlsx.ErrRatio), xlsx.ErrTooManyParts and the errors of archive/zip.
var (
	// ErrNoContent: the zip has no content.xml (not an OpenDocument
	// file, or a damaged one).
	ErrNoContent = errors.New("ods: no content.xml")
	// ErrEncrypted: the document is protected by a password (its
	// manifest lists encryption data).
	ErrEncrypted = errors.New("ods: encrypted")
	// ErrNotSpreadsheet: an OpenDocument file of another kind (text,
	// presentation).
	ErrNotSpreadsheet = errors.New("ods: not a spreadsheet")
)

// maxMetaBytes bounds META-INF/manifest.xml and mimetype.
const maxMetaBytes = 1 << 20

// maxStyles bounds the table styles remembered.
const maxStyles = 10_000

// Read reads every table of the spreadsheet in r (size bytes) under lim
// (zero fields take xlsx's defaults). On a cancelled context it returns
// the sheets read so far with the context's error. Otherwise an error
// means the file could not be read at all; a damaged or over-limit sheet
// is reported in its Sheet.
func Read(ctx context.Context, r io.ReaderAt, size int64, lim xlsx.Limits) (*xlsx.Workbook, error) {
	lim = lim.WithDefaults()
	if n, ok := xlsx.ZipEntries(r, size); ok && n > int64(lim.MaxParts) {
		return nil, xlsx.ErrTooManyParts
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, err
	}
	return ReadZip(ctx, zr, lim)
}

// ReadZip is Read for a spreadsheet whose zip the caller has opened, after
// checking the entry count xlsx.ZipEntries gives against lim.MaxParts as
// Read does before opening it.
func ReadZip(ctx context.Context, zr *zip.Reader, lim xlsx.Limits) (*xlsx.Workbook, error) {
	lim = lim.WithDefaults()
	if len(zr.File) > lim.MaxParts {
		return nil, xlsx.ErrTooManyParts
	}
	var content, manifest, mimetype *zip.File
	for _, f := range zr.File {
		switch strings.TrimPrefix(f.Name, "/") {
		case "content.xml":
			content = f
		case "META-INF/manifest.xml":
			manifest = f
		case "mimetype":
			mimetype = f
		}
	}
	if content == nil {
		return nil, ErrNoContent
	}
	if mimetype != nil {
		b, err := readSmall(mimetype)
		if err == nil && bytes.HasPrefix(b, []byte("application/vnd.oasis.opendocument.")) && !bytes.Contains(b, []byte("spreadsheet")) {
			return nil, ErrNotSpreadsheet
		}
	}
	if manifest != nil {
		if b, err := readSmall(manifest); err == nil && bytes.Contains(b, []byte("encryption-data")) {
			return nil, ErrEncrypted
		}
	}
	u, c := int64(min(content.UncompressedSize64, 1<<62)), int64(min(content.CompressedSize64, 1<<62))
	limit := min(lim.MaxPartBytes, lim.MaxTotalBytes)
	switch {
	case u > limit:
		return nil, &xlsx.LimitError{Err: xlsx.ErrTooLarge, Part: content.Name, What: "part", Size: u, Limit: limit}
	case u > xlsx.RatioFloor && u/max(c, 1) > lim.MaxRatio:
		return nil, &xlsx.LimitError{Err: xlsx.ErrRatio, Part: content.Name, What: "ratio", Size: u / max(c, 1), Limit: lim.MaxRatio}
	}
	rc, err := content.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	cr := &countingReader{r: rc, limit: limit, name: content.Name}
	rd := &reader{
		lim:       lim,
		s:         xmlscan.New(ctx, cr, xmlscan.SizeFor(content.UncompressedSize64, xmlscan.BufSize)),
		wb:        &xlsx.Workbook{},
		cellsLeft: lim.MaxCells,
		textLeft:  lim.MaxTextBytes,
		hidden:    map[string]bool{},
		capRaw:    4*lim.MaxCellRunes + 16,
	}
	return rd.run()
}

// readSmall reads a small part whole, up to maxMetaBytes.
func readSmall(f *zip.File) ([]byte, error) {
	if f.UncompressedSize64 > maxMetaBytes {
		return nil, errors.New("ods: part too large")
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, maxMetaBytes))
}

// countingReader fails once more than limit bytes were decompressed.
type countingReader struct {
	r     io.Reader
	n     int64
	limit int64
	name  string
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.limit {
		return 0, &xlsx.LimitError{Err: xlsx.ErrTooLarge, Part: c.name, What: "part", Size: c.n, Limit: c.limit}
	}
	return n, err
}

// reader is the state of one content.xml.
type reader struct {
	lim xlsx.Limits
	s   *xmlscan.Scanner
	wb  *xlsx.Workbook

	cellsLeft int
	textLeft  int64

	// automatic styles: the table styles that hide their table
	hidden    map[string]bool
	styleName string // the table style being read

	sh        *xlsx.Sheet // the table being read, nil when skipped
	row       int         // zero-based index of the current row
	rowRepeat int
	col       int // zero-based column of the current cell
	cells     []kept
	width     int
	skipped   bool // the row has a value past MaxColumns

	// the current cell
	cell    cellAttrs
	text    []byte
	paras   int
	overCap bool
	capRaw  int
}

// kept is a cell of the current row.
type kept struct {
	col  int
	text string
}

// cellAttrs are the attributes of a table:table-cell.
type cellAttrs struct {
	repeat, colSpan, rowSpan int
	valueType                string
	value                    string // office:value, office:date-value, office:string-value…
	formula                  string
}

// Parse states.
const (
	stBody  = iota // outside tables
	stStyle        // in a style:style of family table
	stTable        // in a table:table, between rows
	stRow          // in a table:table-row
	stCell         // in a table:table-cell
)

func (rd *reader) run() (*xlsx.Workbook, error) {
	s := rd.s
	st := stBody
	var tableDepth, rowDepth, cellDepth, styleDepth int
	for {
		k := s.Next()
		switch k {
		case xmlscan.KindError:
			err := s.Err()
			if err == context.Canceled || err == context.DeadlineExceeded {
				return rd.wb, err
			}
			var le *xlsx.LimitError
			if errors.As(err, &le) {
				return nil, err
			}
			if rd.sh == nil && len(rd.wb.Sheets) == 0 {
				return nil, err // not XML at all
			}
			if rd.sh != nil {
				if st >= stRow {
					rd.endRow()
				}
				if rd.sh.Stop == xlsx.StopNone {
					rd.sh.Stop, rd.sh.Err = xlsx.StopDamaged, err
				}
			}
			return rd.wb, nil
		case xmlscan.KindEOF:
			return rd.wb, nil
		case xmlscan.KindStart:
			name := string(s.Local)
			switch st {
			case stBody:
				switch name {
				case "style":
					if string(s.Attr("family")) == "table" {
						rd.styleName = string(s.Attr("name"))
						st, styleDepth = stStyle, s.Depth()
					} else {
						s.Skip()
					}
				case "table":
					st, tableDepth = stTable, s.Depth()
					rd.startTable()
				case "document-content", "automatic-styles", "body", "spreadsheet":
				default:
					s.Skip() // fonts, scripts, settings, other bodies
				}
			case stStyle:
				if name == "table-properties" && string(s.Attr("display")) == "false" && len(rd.hidden) < maxStyles {
					rd.hidden[rd.styleName] = true
				}
				s.Skip()
			case stTable:
				switch {
				case name == "table-row" && rd.sh != nil && rd.sh.Stop == xlsx.StopNone:
					st, rowDepth = stRow, s.Depth()
					rd.startRow()
				case name == "table-row-group" || name == "table-header-rows" || name == "table-rows":
					// rows inside: read through
				default:
					s.Skip()
				}
			case stRow:
				switch name {
				case "table-cell":
					st, cellDepth = stCell, s.Depth()
					rd.startCell()
				case "covered-table-cell":
					rd.col = min(rd.col+repeatAttr(s.Attr("number-columns-repeated")), maxCol)
					s.Skip()
				default:
					s.Skip()
				}
			case stCell:
				switch name {
				case "p", "h":
					if rd.paras > 0 {
						rd.addText([]byte{'\n'})
					}
					rd.paras++
				case "s":
					for n := repeatAttr(s.Attr("c")); n > 0 && !rd.overCap; n -= len(spaces) {
						rd.addText(spaces[:min(n, len(spaces))])
					}
					s.Skip()
				case "tab":
					rd.addText([]byte{'\t'})
					s.Skip()
				case "line-break":
					rd.addText([]byte{'\n'})
					s.Skip()
				case "annotation", "note", "table", "frame", "custom-shape", "tracked-changes":
					s.Skip()
				}
			}
		case xmlscan.KindEnd:
			d := s.Depth()
			switch {
			case st == stStyle && d < styleDepth:
				st = stBody
			case st == stCell && d < cellDepth:
				rd.endCell()
				st = stRow
			case st == stRow && d < rowDepth:
				rd.endRow()
				st = stTable
			case st == stTable && d < tableDepth:
				rd.sh = nil
				st = stBody
			}
		case xmlscan.KindText:
			if st == stCell {
				rd.addText(s.Text)
			}
		}
	}
}

var spaces = bytes.Repeat([]byte{' '}, 64)

// maxCol is past any column limit, without overflow.
const maxCol = xlsx.MaxExcelColumns + 1

// maxRepeat clamps repeat counts (a row index past it is past any limit).
const maxRepeat = 1 << 21

// repeatAttr reads a repeat or span count: at least 1, at most maxRepeat.
func repeatAttr(b []byte) int {
	if len(b) == 0 {
		return 1
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 1
		}
		n = min(n*10+int(c-'0'), maxRepeat)
	}
	return max(n, 1)
}

func (rd *reader) startTable() {
	s := rd.s
	if len(rd.wb.Sheets) >= rd.lim.MaxParts {
		rd.wb.SkippedSheets++
		rd.sh = nil
		return
	}
	name := string(s.Attr("name"))
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, "\uFFFD")
	}
	rd.sh = &xlsx.Sheet{Name: name, Hidden: rd.hidden[string(s.Attr("style-name"))]}
	rd.wb.Sheets = append(rd.wb.Sheets, rd.sh)
	rd.row = 0
}

func (rd *reader) startRow() {
	rd.rowRepeat = repeatAttr(rd.s.Attr("number-rows-repeated"))
	rd.cells, rd.width, rd.col, rd.skipped = rd.cells[:0], 0, 0, false
}

func (rd *reader) startCell() {
	s := rd.s
	c := cellAttrs{
		repeat:    repeatAttr(s.Attr("number-columns-repeated")),
		colSpan:   repeatAttr(s.Attr("number-columns-spanned")),
		rowSpan:   repeatAttr(s.Attr("number-rows-spanned")),
		valueType: string(s.Attr("value-type")),
	}
	switch c.valueType {
	case "float", "percentage", "currency":
		c.value = string(bytes.TrimSpace(s.Attr("value")))
	case "date":
		c.value = dateText(s.Attr("date-value"))
	case "string":
		if v := s.Attr("string-value"); v != nil {
			c.value = string(v)
		}
	}
	if f := s.Attr("formula"); f != nil {
		c.formula = strings.ToValidUTF8(string(f[:min(len(f), xlsx.MaxFormulaBytes)]), "\uFFFD")
	}
	rd.cell = c
	rd.text, rd.paras, rd.overCap = rd.text[:0], 0, false
}

// dateText turns an office:date-value ("2026-05-25", "2026-05-25T14:30:00")
// into the date, with its time when not midnight.
func dateText(b []byte) string {
	v := string(bytes.TrimSpace(b))
	if d, t, ok := strings.Cut(v, "T"); ok {
		if strings.Trim(t, "0:.") == "" {
			return d
		}
		return d + " " + t
	}
	return v
}

// addText appends character data to the current cell, up to capRaw bytes.
func (rd *reader) addText(b []byte) {
	if room := rd.capRaw - len(rd.text); len(b) > room {
		rd.text = append(rd.text, b[:max(room, 0)]...)
		rd.overCap = true
		return
	}
	rd.text = append(rd.text, b...)
}

// endCell keeps the current cell (and its repeats) when it holds a value,
// within the limits.
func (rd *reader) endCell() {
	c, sh := &rd.cell, rd.sh
	col := rd.col
	rd.col = min(rd.col+c.repeat, maxCol)
	if sh == nil || sh.Stop != xlsx.StopNone {
		return
	}
	var v string
	switch {
	case c.value != "":
		v = cellText([]byte(c.value), rd.lim.MaxCellRunes, &sh.CutCells, false)
	case c.valueType != "" || c.formula == "":
		v = cellText(rd.text, rd.lim.MaxCellRunes, &sh.CutCells, rd.overCap)
	}
	uncached := v == "" && c.formula != "" && c.valueType == ""
	if (c.colSpan > 1 || c.rowSpan > 1) && col < rd.lim.MaxColumns {
		if len(sh.Merges) < rd.lim.MaxMerges {
			sh.Merges = append(sh.Merges, xlsx.Range{
				FirstRow: rd.row, LastRow: min(rd.row+c.rowSpan-1, maxRepeat),
				FirstCol: col, LastCol: min(col+c.colSpan-1, rd.lim.MaxColumns-1),
			})
		} else {
			sh.SkippedMerges++
		}
	}
	if v == "" && !uncached {
		return
	}
	if col >= rd.lim.MaxColumns {
		if !rd.skipped {
			if sh.SkippedRows == 0 {
				sh.SkippedAt = xlsx.ColumnName(min(col, xlsx.MaxExcelColumns-1)) + strconv.Itoa(rd.row+1)
			}
			sh.SkippedRows++
			rd.skipped = true
		}
		return
	}
	if uncached && len(sh.Uncached) < xlsx.MaxUncached {
		sh.Uncached = append(sh.Uncached, xlsx.Formula{Row: rd.row, Col: col, Text: c.formula})
	}
	n := min(c.repeat, rd.lim.MaxColumns-col)
	if c.repeat > n && !rd.skipped {
		if sh.SkippedRows == 0 {
			sh.SkippedAt = xlsx.ColumnName(rd.lim.MaxColumns) + strconv.Itoa(rd.row+1)
		}
		sh.SkippedRows++
		rd.skipped = true
	}
	width := max(rd.width, col+n)
	if width > rd.cellsLeft {
		rd.stop(xlsx.StopCells)
		return
	}
	if int64(n)*int64(len(v)) > rd.textLeft {
		rd.stop(xlsx.StopText)
		return
	}
	rd.textLeft -= int64(n) * int64(len(v))
	for i := range n {
		rd.cells = append(rd.cells, kept{col: col + i, text: v})
	}
	rd.width = width
}

// cellText turns the collected text into the cell's value: invalid UTF-8
// replaced, cut to maxRunes characters (counted in *cut).
func cellText(b []byte, maxRunes int, cut *int, over bool) string {
	if len(b) == 0 {
		return ""
	}
	if !utf8.Valid(b) {
		b = bytes.ToValidUTF8(b, []byte("\uFFFD"))
	}
	if len(b) > maxRunes {
		n := 0
		for i := 0; i < len(b); {
			if n == maxRunes {
				b, over = b[:i], true
				break
			}
			_, size := utf8.DecodeRune(b[i:])
			i += size
			n++
		}
	}
	if over {
		*cut++
	}
	return string(b)
}

// stop ends the sheet's rows, without the current one.
func (rd *reader) stop(why xlsx.Stop) {
	rd.sh.Stop = why
	rd.cells, rd.width = rd.cells[:0], 0
}

// endRow keeps the current row and its repeats, within the limits. An
// empty row, repeated or not, only moves the position.
func (rd *reader) endRow() {
	sh := rd.sh
	first := rd.row
	rd.row = min(rd.row+rd.rowRepeat, maxRepeat)
	if sh == nil || sh.Stop != xlsx.StopNone || rd.width == 0 {
		return
	}
	row := make([]string, rd.width)
	for _, c := range rd.cells {
		row[c.col] = c.text
	}
	var text int64
	for _, c := range row {
		text += int64(len(c))
	}
	for r := first; r < rd.row; r++ {
		if r >= rd.lim.MaxRows {
			sh.Stop = xlsx.StopRows
			return
		}
		if rd.width > rd.cellsLeft {
			sh.Stop = xlsx.StopCells
			return
		}
		if r > first {
			// the repeats' text counts too (the first row's was counted
			// as its cells were kept)
			if text > rd.textLeft {
				sh.Stop = xlsx.StopText
				return
			}
			rd.textLeft -= text
		}
		for len(sh.Rows) < r {
			sh.Rows = append(sh.Rows, nil)
		}
		sh.Rows = append(sh.Rows, row) // repeats share the slice: rows are read-only
		rd.cellsLeft -= rd.width
	}
}
