package export

import (
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Long sheets: their data rows are written here, straight into the
// package as it is deflated into w, not by excelize.
//
// Why by hand: excelize's StreamWriter keeps a sheet's XML in memory
// until it reaches 16 MB (StreamChunkSize, a constant in every release up
// to v2.11.1; qax-os/excelize#1927 asks for a setting, PRs #2321 and #2358
// are not released), and File.WriteTo then builds the whole zip in a
// bytes.Buffer before writing it. The 5,000-row recommendation list is
// 7 MB of XML, all of it held: 35–45 MB over the rows themselves, which
// took `shoubao export --only recommend` past 64 MB RSS. No maintained Go
// library writes styled rows into an .xlsx package as they come, so
// excelize still makes everything else (styles, column widths, panes,
// the title and header rows, merged cells, print setup) with the data
// rows left out, and writePackage copies its parts into w, inserting the
// rows at the end of the sheet's sheetData as they are written: a row is
// all that is held. The cells are what excelize's StreamWriter writes
// (inline strings, the same escaping; TestRecommendSheetAsExcelize),
// but for text a reader would decode as an escaped character (isBstr).

// maxCellChars is the most UTF-16 units a cell holds (Excel's limit;
// excelize's TotalCellChars): longer text is cut, as excelize does.
const maxCellChars = 32767

// sheetRows writes rows of SpreadsheetML (<row> elements).
type sheetRows struct {
	w    *bufio.Writer
	cols []string // column letters, by column index
	row  []byte   // the current row number, as text
	num  []byte   // scratch
}

func newSheetRows(w io.Writer, ncols int) *sheetRows {
	s := &sheetRows{w: bufio.NewWriterSize(w, 64<<10)}
	for i := 1; i <= ncols; i++ {
		s.cols = append(s.cols, colName(i))
	}
	return s
}

// start opens row r (1-based), height points high (0: the default).
func (s *sheetRows) start(r int, height float64) {
	s.row = strconv.AppendInt(s.row[:0], int64(r), 10)
	s.w.WriteString(`<row r="`)
	s.w.Write(s.row)
	s.w.WriteByte('"')
	if height > 0 {
		s.w.WriteString(` ht="`)
		s.num = strconv.AppendFloat(s.num[:0], height, 'f', -1, 64)
		s.w.Write(s.num)
		s.w.WriteString(`" customHeight="1"`)
	}
	s.w.WriteByte('>')
}

// end closes the row.
func (s *sheetRows) end() { s.w.WriteString(`</row>`) }

// cellStart opens the cell in column col (0-based) of the current row.
func (s *sheetRows) cellStart(col, style int) {
	s.w.WriteString(`<c r="`)
	s.w.WriteString(s.cols[col])
	s.w.Write(s.row)
	s.w.WriteByte('"')
	if style != 0 {
		s.w.WriteString(` s="`)
		s.num = strconv.AppendInt(s.num[:0], int64(style), 10)
		s.w.Write(s.num)
		s.w.WriteByte('"')
	}
}

// int writes a number cell.
func (s *sheetRows) int(col, style, v int) {
	s.cellStart(col, style)
	s.w.WriteString(`><v>`)
	s.num = strconv.AppendInt(s.num[:0], int64(v), 10)
	s.w.Write(s.num)
	s.w.WriteString(`</v></c>`)
}

// text writes an inline string cell (an empty one too: it keeps its
// style, the borders).
func (s *sheetRows) text(col, style int, v string) {
	s.cellStart(col, style)
	s.w.WriteString(` t="inlineStr"><is><t`)
	if v != "" && (isSpace(v[0]) || isSpace(v[len(v)-1])) {
		s.w.WriteString(` xml:space="preserve"`)
	}
	s.w.WriteByte('>')
	writeText(s.w, v)
	s.w.WriteString(`</t></is></c>`)
}

// flush writes what is buffered; it returns the first write error.
func (s *sheetRows) flush() error { return s.w.Flush() }

func isSpace(b byte) bool { return b == '\t' || b == '\n' || b == '\r' || b == ' ' }

// writeText writes v as the text of an element: at most maxCellChars
// UTF-16 units; &, <, >, quotes, tab and carriage return escaped as
// encoding/xml escapes them, newlines kept; characters XML cannot hold
// (and invalid UTF-8) as U+FFFD; and every "_xHHHH_" (the escape
// readers decode, see isBstr) as "_x005F_xHHHH_", so that it reads back
// as written.
func writeText(w *bufio.Writer, v string) {
	units, last, i := 0, 0, 0
	for i < len(v) {
		r, size := utf8.DecodeRuneInString(v[i:])
		if units += utf16.RuneLen(r); units > maxCellChars {
			break
		}
		var esc string
		switch {
		case r == '&':
			esc = "&amp;"
		case r == '<':
			esc = "&lt;"
		case r == '>':
			esc = "&gt;"
		case r == '"':
			esc = "&#34;"
		case r == '\'':
			esc = "&#39;"
		case r == '\t':
			esc = "&#x9;"
		case r == '\r':
			esc = "&#xD;"
		case r == '_' && isBstr(v[i:]):
			// _x005F_ is "_": the underscore that follows is kept.
			w.WriteString(v[last:i])
			w.WriteString("_x005F")
			last = i
			i += size
			continue
		case r == utf8.RuneError && size == 1, !inXMLRange(r):
			esc = "\uFFFD"
		default:
			i += size
			continue
		}
		w.WriteString(v[last:i])
		w.WriteString(esc)
		i += size
		last = i
	}
	w.WriteString(v[last:i])
}

// isBstr reports whether s starts with what a reader may decode as an
// escaped character: "_x", hexadecimal digits, "_". OOXML's escape has
// four digits (_x000D_); LibreOffice also decodes one or two (_xA_ is a
// newline), so those are escaped too.
func isBstr(s string) bool {
	if len(s) < 4 || s[0] != '_' || s[1] != 'x' {
		return false
	}
	for i := 2; i < len(s) && i <= 6; i++ {
		c := s[i]
		switch {
		case c == '_':
			return i > 2
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		default:
			return false
		}
	}
	return false
}

// inXMLRange reports whether r may appear in an XML 1.0 document.
func inXMLRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// writePackage writes the workbook pkg (the .xlsx excelize made) into w,
// with the rows that rows writes added at the end of part's sheetData.
// The parts are copied as they are, compressed; part is deflated as it
// is written.
func writePackage(w io.Writer, pkg []byte, part string, ncols int, rows func(*sheetRows)) error {
	zr, err := zip.NewReader(bytes.NewReader(pkg), int64(len(pkg)))
	if err != nil {
		return fmt.Errorf("read workbook: %w", err)
	}
	zw := zip.NewWriter(w)
	found := false
	for _, f := range zr.File {
		if f.Name != part {
			if err := zw.Copy(f); err != nil {
				return fmt.Errorf("write workbook: %w", err)
			}
			continue
		}
		found = true
		if err := spliceRows(zw, f, ncols, rows); err != nil {
			return err
		}
	}
	if !found {
		return fmt.Errorf("write workbook: no part %s", part)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	return nil
}

// spliceRows writes sheet part f into zw with rows before </sheetData>.
func spliceRows(zw *zip.Writer, f *zip.File, ncols int, rows func(*sheetRows)) error {
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("read workbook: %w", err)
	}
	sheet, err := io.ReadAll(rc) // without the rows: a few kilobytes
	rc.Close()
	if err != nil {
		return fmt.Errorf("read workbook: %w", err)
	}
	at := bytes.LastIndex(sheet, []byte("</sheetData>"))
	if at < 0 {
		return fmt.Errorf("write workbook: %s has no sheetData", f.Name)
	}
	out, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: f.Modified})
	if err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	s := newSheetRows(out, ncols)
	s.w.Write(sheet[:at])
	rows(s)
	s.w.Write(sheet[at:])
	if err := s.flush(); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	return nil
}
