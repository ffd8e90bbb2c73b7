package xlsx

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"strconv"

	"github.com/shoubao/shoubao/parsers/sheets/internal/xmlscan"
)

// Sheet parse states: where the scanner is in
// worksheet/sheetData/row/c/(v | is/(t | r/t)).
const (
	stTop  = iota // outside sheetData (merged areas are read here)
	stData        // in sheetData
	stRow         // in a row
	stCell        // in a cell
	stV           // in a cell's <v>
	stIS          // in a cell's <is>
	stIST         // <is><t>
	stISR         // <is><r>
	stISRT        // <is><r><t>
	stF           // in a cell's <f>
)

// keptCell is a cell of the current row: its value is a shared string,
// or text[start:end] of the row's own text.
type keptCell struct {
	col        int
	shared     string
	start, end int
	own        bool
}

// sheetReader reads one worksheet part.
type sheetReader struct {
	rd *reader
	s  *xmlscan.Scanner
	sh *Sheet

	dataDepth int  // scanner depth inside <sheetData>
	rowDepth  int  // scanner depth inside <row>
	skipRow   bool // the rest of the row is past MaxColumns

	lastRow int  // number (1-based) of the last row started
	inRow   bool // a row is being collected (not stopped, not dropped)
	cells   []keptCell
	width   int
	text    []byte   // the current row's own text
	compact []byte   // the row's own text without the cells equal to those above
	prev    []string // the last row kept

	col     int // zero-based column of the current cell
	typ     []byte
	hasF    bool
	hasIS   bool
	hasV    bool   // the cell has a <v>, even an empty one
	val     []byte // <v>
	is      []byte // <is> text
	overVal bool   // <v> or <is> exceeded rawCap
	capRaw  int
	formula []byte // <f>, cut to MaxFormulaBytes
}

// readSheet streams one worksheet part into sh. Its error is a context
// error; anything else is recorded in sh.
func (rd *reader) readSheet(f *zip.File, sh *Sheet) error {
	rc, err := rd.open(f, rd.lim.MaxPartBytes)
	if err != nil {
		var le *LimitError
		if errors.As(err, &le) {
			return err
		}
		sh.Stop, sh.Err = StopDamaged, err
		return nil
	}
	if f.UncompressedSize64 > 4*raBlockSize {
		rc = newReadahead(rc) // a large sheet: inflate on another core
	}
	defer rc.Close()
	r := &sheetReader{rd: rd, s: rd.scan(rc, f.UncompressedSize64), sh: sh, capRaw: rawCap(rd.lim.MaxCellRunes)}
	defer rd.done(r.s)
	return r.run()
}

func (r *sheetReader) run() error {
	s, sh := r.s, r.sh
	st := stTop
	for {
		// After a limit: leave the row, or sheetData, at once.
		// (When skipOut fails, the error is the next token.)
		if r.skipRow && st == stRow {
			r.skipRow = false
			if s.SkipOut(s.Depth() - r.rowDepth + 1) {
				r.endRow()
				st = stData
			}
		}
		if sh.Stop != StopNone && sh.Stop != StopDamaged && st >= stData {
			if r.inRow {
				r.dropRow(sh.Stop)
			}
			s.SkipOut(s.Depth() - r.dataDepth + 1)
			st = stTop
		}
		switch s.Next() {
		case xmlscan.KindError:
			err := s.Err()
			if err == context.Canceled || err == context.DeadlineExceeded {
				return err
			}
			var le *LimitError
			if errors.As(err, &le) {
				return err
			}
			if sh.Stop == StopNone {
				sh.Stop = StopDamaged
			}
			if sh.Err == nil {
				sh.Err = err
			}
			if r.inRow {
				r.endRow() // keep what was read of the row
			}
			return nil
		case xmlscan.KindEOF:
			return nil
		case xmlscan.KindStart:
			name := s.Local
			switch st {
			case stTop:
				switch string(name) {
				case "sheetData":
					st = stData
					r.dataDepth = s.Depth()
				case "mergeCell":
					r.merge(s.Attr("ref"))
				}
			case stData:
				if string(name) == "row" && sh.Stop == StopNone && r.startRow() {
					st = stRow
					r.rowDepth = s.Depth()
				} else if sh.Stop == StopNone {
					s.Skip() // an error comes back as the next token
				}
			case stRow:
				if string(name) == "c" {
					r.startCell()
					st = stCell
				} else {
					s.Skip()
				}
			case stCell:
				switch string(name) {
				case "v":
					r.val, r.overVal, r.hasV = r.val[:0], false, true
					st = stV
				case "is":
					r.hasIS = true
					st = stIS
				case "f":
					r.hasF = true
					st = stF
				default:
					s.Skip()
				}
			case stIS:
				switch string(name) {
				case "t":
					st = stIST
				case "r":
					st = stISR
				default:
					s.Skip() // <rPh>, <phoneticPr>
				}
			case stISR:
				if string(name) == "t" {
					st = stISRT
				} else {
					s.Skip()
				}
			default:
				s.Skip()
			}
		case xmlscan.KindEnd:
			switch st {
			case stData:
				st = stTop
			case stRow:
				if r.inRow {
					r.endRow()
				}
				st = stData
			case stCell:
				r.endCell()
				st = stRow
			case stV, stIS, stF:
				st = stCell
			case stIST, stISR:
				st = stIS
			case stISRT:
				st = stISR
			}
		case xmlscan.KindText:
			switch st {
			case stV:
				r.val, r.overVal = appendCapped(r.val, s.Text, r.capRaw, r.overVal)
			case stIST, stISRT:
				r.is, r.overVal = appendCapped(r.is, s.Text, r.capRaw, r.overVal)
			case stF:
				r.formula, _ = appendCapped(r.formula, s.Text, MaxFormulaBytes, false)
			}
		}
	}
}

// startRow begins a row; false when the row ends the sheet's rows.
func (r *sheetReader) startRow() bool {
	num := r.lastRow + 1
	if n, ok := parseRowNum(r.s.Attr("r")); ok && n > r.lastRow {
		num = n
	}
	if num > r.rd.lim.MaxRows {
		r.sh.Stop = StopRows
		return false
	}
	r.lastRow = num
	r.inRow = true
	r.cells, r.width, r.text = r.cells[:0], 0, r.text[:0]
	r.col = -1
	return true
}

// endRow keeps the current row, padded to its last kept cell.
func (r *sheetReader) endRow() {
	r.inRow = false
	sh := r.sh
	for len(sh.Rows) < r.lastRow-1 {
		sh.Rows = append(sh.Rows, nil)
	}
	if r.width == 0 {
		sh.Rows = append(sh.Rows, nil)
		return
	}
	row := make([]string, r.width)
	// A cell of its own text equal to the cell above it (the same unit,
	// contact or date down a list of inline strings, as WPS and stream
	// writers save) shares the string above rather than a copy; the rest
	// is one string for the row.
	prev := r.prev
	r.compact = r.compact[:0]
	for i, c := range r.cells {
		if !c.own {
			continue
		}
		if t := r.text[c.start:c.end]; c.col < len(prev) && len(t) > 0 && prev[c.col] == string(t) {
			r.cells[i].own, r.cells[i].shared = false, prev[c.col]
			continue
		}
		start := len(r.compact)
		r.compact = append(r.compact, r.text[c.start:c.end]...)
		r.cells[i].start, r.cells[i].end = start, len(r.compact)
	}
	own := string(r.compact)
	for _, c := range r.cells {
		if c.own {
			row[c.col] = own[c.start:c.end]
		} else {
			row[c.col] = c.shared
		}
	}
	sh.Rows = append(sh.Rows, row)
	r.prev = row
	r.rd.cellsLeft -= r.width
	r.rd.textLeft -= int64(len(r.text))
}

// dropRow ends the sheet's rows, without the current one.
func (r *sheetReader) dropRow(stop Stop) {
	r.sh.Stop = stop
	r.inRow = false
	r.cells, r.width, r.text = r.cells[:0], 0, r.text[:0]
}

func (r *sheetReader) startCell() {
	next := r.col + 1
	if c, ok := parseCol(r.s.Attr("r")); ok {
		next = c
	}
	r.col = min(next, MaxExcelColumns+1) // past any limit, without overflow
	r.typ = append(r.typ[:0], r.s.Attr("t")...)
	r.hasF, r.hasIS, r.hasV, r.overVal = false, false, false, false
	r.val, r.is, r.formula = r.val[:0], r.is[:0], r.formula[:0]
}

// endCell keeps the cell if it holds a value or a formula, within the
// limits.
func (r *sheetReader) endCell() {
	if !r.inRow {
		return
	}
	rd, sh := r.rd, r.sh
	var (
		shared string
		raw    []byte
		bstr   bool
	)
	switch string(r.typ) {
	case "s":
		if len(r.val) > 0 {
			i, err := strconv.Atoi(string(bytes.TrimSpace(r.val)))
			if err == nil {
				shared, _ = rd.sst.get(i)
			}
		}
	case "inlineStr":
		if r.hasIS {
			raw, bstr = r.is, true
		} else {
			raw = r.val
		}
	default: // n, b, e, str, d: the raw <v>
		raw = r.val
	}
	if shared == "" && len(raw) == 0 && !r.hasF {
		return
	}
	if r.col >= rd.lim.MaxColumns {
		// Cells come in column order: the rest of the row is past the
		// limit too, and is skipped unread.
		if sh.SkippedRows == 0 {
			sh.SkippedAt = ColumnName(min(r.col, MaxExcelColumns-1)) + strconv.Itoa(r.lastRow)
		}
		sh.SkippedRows++
		r.skipRow = true
		return
	}
	width := max(r.width, r.col+1)
	if width > rd.cellsLeft {
		r.dropRow(StopCells)
		return
	}
	if shared == "" && len(raw) == 0 && !r.hasV && !r.hasIS && len(sh.Uncached) < MaxUncached {
		// A formula saved without its result (an empty <v> is an empty
		// result: =IF(A1="","",A1)).
		sh.Uncached = append(sh.Uncached, Formula{Row: r.lastRow - 1, Col: r.col, Text: validString(r.formula)})
	}
	kc := keptCell{col: r.col, shared: shared}
	if shared == "" && len(raw) > 0 {
		start := len(r.text)
		var cut bool
		r.text, cut = appendText(r.text, raw, rd.lim.MaxCellRunes, bstr)
		if cut || r.overVal {
			sh.CutCells++
		}
		if int64(len(r.text)) > rd.textLeft {
			r.dropRow(StopText)
			return
		}
		kc.own, kc.start, kc.end = true, start, len(r.text)
	}
	r.cells = append(r.cells, kc)
	r.width = width
}

// merge records a merged area "A1:C2" (or "A1").
func (r *sheetReader) merge(ref []byte) {
	sh := r.sh
	if len(sh.Merges) >= r.rd.lim.MaxMerges {
		sh.SkippedMerges++
		return
	}
	a, b, found := bytes.Cut(ref, []byte(":"))
	if !found {
		b = a
	}
	c0, r0, ok0 := parseRef(a)
	c1, r1, ok1 := parseRef(b)
	if !ok0 || !ok1 || c0 >= r.rd.lim.MaxColumns {
		return
	}
	c1 = min(c1, r.rd.lim.MaxColumns-1)
	sh.Merges = append(sh.Merges, Range{FirstRow: r0 - 1, LastRow: r1 - 1, FirstCol: c0, LastCol: c1})
}

// parseCol reads the zero-based column of a cell reference ("B7", "$B$7",
// "b7"); ok is false without letters.
func parseCol(ref []byte) (int, bool) {
	col, n := 0, 0
	for _, c := range ref {
		switch {
		case c == '$' && n == 0:
			continue
		case c >= 'A' && c <= 'Z':
			col = col*26 + int(c-'A') + 1
		case c >= 'a' && c <= 'z':
			col = col*26 + int(c-'a') + 1
		default:
			return col - 1, n > 0
		}
		n++
		if col > MaxExcelColumns {
			col = MaxExcelColumns + 1 // no overflow; past any limit
		}
	}
	return col - 1, n > 0
}

// parseRef reads a cell reference into a zero-based column and a 1-based
// row.
func parseRef(ref []byte) (col, row int, ok bool) {
	col, ok = parseCol(ref)
	if !ok {
		return 0, 0, false
	}
	i := 0
	for i < len(ref) && (ref[i] == '$' || ref[i] >= 'A' && ref[i] <= 'Z' || ref[i] >= 'a' && ref[i] <= 'z') {
		i++
	}
	row, ok = parseRowNum(bytes.TrimPrefix(ref[i:], []byte("$")))
	return col, row, ok
}

// parseRowNum reads a 1-based row number; numbers past Excel's rows are
// clamped just past them.
func parseRowNum(b []byte) (int, bool) {
	if len(b) == 0 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = min(n*10+int(c-'0'), maxRowNum)
	}
	return n, n > 0
}

// maxRowNum: row numbers are clamped to this, past Excel's 1,048,576.
const maxRowNum = 1 << 21
