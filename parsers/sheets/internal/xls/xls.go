// Package xls reads the cell texts of a BIFF8 workbook (.xls as saved by
// Excel 97–2003, WPS and LibreOffice's "MS Excel 97" filter) from its
// compound file, under limits.
//
// It reads values only: shared strings, labels, numbers (NUMBER, RK,
// MULRK), booleans and errors, formula results as cached in the file, and
// merged areas. Formats, styles and charts are ignored, so dates come out as
// serial numbers.
//
// It exists because none of the pure-Go .xls readers the module proxy
// serves reads formula results from LibreOffice- and WPS-saved files
// (see README.sheets.md); the compound file container is read by
// github.com/richardlehane/mscfb.
package xls

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf16"

	"github.com/richardlehane/mscfb"
)

// Sentinel errors; Read wraps them.
var (
	// ErrNotCompoundFile: the input is not an OLE compound file.
	ErrNotCompoundFile = errors.New("not a compound file")
	// ErrNoWorkbook: a compound file without a Workbook stream (a Word
	// .doc, for example).
	ErrNoWorkbook = errors.New("no workbook stream")
	// ErrWordDocument: a compound file holding a Word document (.doc,
	// .wps) instead of a workbook.
	ErrWordDocument = errors.New("a Word document, not a workbook")
	// ErrEncrypted: the workbook is protected by a password (also an
	// encrypted .xlsx, which is a compound file with an EncryptedPackage).
	ErrEncrypted = errors.New("workbook is encrypted")
	// ErrVersion: a BIFF version other than BIFF8 (Excel 5/95 or older).
	ErrVersion = errors.New("not a BIFF8 workbook")
	// ErrTooLarge: the workbook stream exceeds Limits.MaxStreamBytes.
	ErrTooLarge = errors.New("workbook stream too large")
	// ErrMalformed: the workbook stream is damaged.
	ErrMalformed = errors.New("malformed workbook stream")
)

// Limits bound what Read does.
type Limits struct {
	// MaxStreamBytes is the largest Workbook stream read.
	MaxStreamBytes int64
	// MaxCells bounds the cells kept over all sheets, counted as the
	// widths of the rows built; cells past it are dropped and the sheet
	// marked Truncated.
	MaxCells int
	// MaxRows bounds the rows kept per sheet.
	MaxRows int
}

// Range is a merged area, zero-based and inclusive.
type Range struct {
	FirstRow, LastRow, FirstCol, LastCol int
}

// Sheet is one worksheet's cell texts.
type Sheet struct {
	Name string
	// Hidden is true for hidden and very hidden sheets.
	Hidden bool
	// Rows are indexed by row, then column; missing cells are "".
	Rows [][]string
	// Merges are the sheet's merged areas.
	Merges []Range
	// Truncated is set when a limit dropped cells of this sheet.
	Truncated bool
}

// Record identifiers (MS-XLS 2.3).
const (
	recFormula    = 0x0006
	recEOF        = 0x000A
	recFilePass   = 0x002F
	recContinue   = 0x003C
	recBoundSheet = 0x0085
	recMulRK      = 0x00BD
	recRString    = 0x00D6
	recMergeCells = 0x00E5
	recSST        = 0x00FC
	recLabelSST   = 0x00FD
	recNumber     = 0x0203
	recLabel      = 0x0204
	recBoolErr    = 0x0205
	recString     = 0x0207
	recRK         = 0x027E
	recBOF        = 0x0809
)

// Read reads every worksheet (hidden ones included, charts and macro
// sheets skipped) of the .xls held by r.
func Read(ctx context.Context, r io.ReaderAt, lim Limits) ([]Sheet, error) {
	stream, err := workbookStream(r, lim)
	if err != nil {
		return nil, err
	}
	return readStream(ctx, stream, lim)
}

// readStream reads the sheets of a Workbook stream.
func readStream(ctx context.Context, stream []byte, lim Limits) ([]Sheet, error) {
	b := &book{stream: stream, lim: lim}
	if err := b.readGlobals(); err != nil {
		return nil, fmt.Errorf("xls: globals: %w", err)
	}
	var sheets []Sheet
	for _, bs := range b.bound {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("xls: %w", err)
		}
		if bs.kind != 0 {
			continue
		}
		sh := Sheet{Name: bs.name, Hidden: bs.state != 0}
		if err := b.readSheet(ctx, bs.offset, &sh); err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("xls: %w", ctx.Err())
			}
			// A damaged sheet keeps what was read before the damage.
			sh.Truncated = true
		}
		sheets = append(sheets, sh)
	}
	return sheets, nil
}

// workbookStream returns the bytes of the Workbook (or BIFF5 "Book")
// stream.
func workbookStream(r io.ReaderAt, lim Limits) (data []byte, err error) {
	defer func() {
		// QUIRK: mscfb can panic on a damaged directory; treat as bad input.
		if p := recover(); p != nil {
			data, err = nil, fmt.Errorf("xls: %w: %v", ErrNotCompoundFile, p)
		}
	}()
	doc, err := mscfb.New(r)
	if err != nil {
		return nil, fmt.Errorf("xls: %w: %v", ErrNotCompoundFile, err)
	}
	word, encrypted := false, false
	for i := 0; ; i++ {
		if i > 10_000 {
			return nil, fmt.Errorf("xls: %w: too many directory entries", ErrMalformed)
		}
		f, err := doc.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("xls: %w: %v", ErrNotCompoundFile, err)
		}
		if len(f.Path) > 0 {
			continue // streams of embedded objects
		}
		switch f.Name {
		case "WordDocument":
			word = true
			continue
		case "EncryptedPackage":
			encrypted = true
			continue
		case "Workbook", "WORKBOOK", "workbook":
		case "Book":
			return nil, fmt.Errorf("xls: %w (BIFF5)", ErrVersion)
		default:
			continue
		}
		if f.Size > lim.MaxStreamBytes {
			return nil, fmt.Errorf("xls: %w (%d bytes)", ErrTooLarge, f.Size)
		}
		if f.Size < 0 {
			return nil, fmt.Errorf("xls: %w: negative stream size", ErrMalformed)
		}
		// Grow with the bytes actually read: the declared size may lie.
		var buf bytes.Buffer
		n, err := io.Copy(&buf, io.LimitReader(f, f.Size))
		if err != nil && n == 0 {
			return nil, fmt.Errorf("xls: read workbook stream: %w: %v", ErrMalformed, err)
		}
		return buf.Bytes(), nil
	}
	switch {
	case encrypted:
		return nil, fmt.Errorf("xls: %w", ErrEncrypted)
	case word:
		return nil, fmt.Errorf("xls: %w", ErrWordDocument)
	}
	return nil, fmt.Errorf("xls: %w", ErrNoWorkbook)
}

type boundSheet struct {
	name   string
	offset int
	state  byte // 0 visible, 1 hidden, 2 very hidden
	kind   byte // 0 worksheet
}

type book struct {
	stream []byte
	lim    Limits
	sst    []string
	bound  []boundSheet
	cells  int // cells allocated so far, for Limits.MaxCells
}

// record returns the record at off: its id, its data, and the offset of
// the next record.
func (b *book) record(off int) (id int, data []byte, next int, err error) {
	if off < 0 || off+4 > len(b.stream) {
		return 0, nil, 0, ErrMalformed
	}
	id = int(binary.LittleEndian.Uint16(b.stream[off:]))
	n := int(binary.LittleEndian.Uint16(b.stream[off+2:]))
	if off+4+n > len(b.stream) {
		return 0, nil, 0, ErrMalformed
	}
	return id, b.stream[off+4 : off+4+n], off + 4 + n, nil
}

// readGlobals reads the workbook globals substream: BOF, sheet list,
// shared strings.
func (b *book) readGlobals() error {
	id, data, off, err := b.record(0)
	if err != nil || id != recBOF || len(data) < 4 {
		return fmt.Errorf("%w: no BOF record", ErrMalformed)
	}
	if v := binary.LittleEndian.Uint16(data); v != 0x0600 {
		return fmt.Errorf("%w (version %#x)", ErrVersion, v)
	}
	for {
		id, data, next, err := b.record(off)
		if err != nil {
			return fmt.Errorf("%w: globals end early", ErrMalformed)
		}
		off = next
		switch id {
		case recEOF:
			return nil
		case recFilePass:
			return ErrEncrypted
		case recBoundSheet:
			if len(data) < 8 {
				continue
			}
			name, _ := shortString(data[6:])
			b.bound = append(b.bound, boundSheet{
				name:   name,
				offset: int(binary.LittleEndian.Uint32(data)),
				state:  data[4] & 0x03,
				kind:   data[5],
			})
		case recSST:
			segs := [][]byte{data}
			for p := next; ; {
				cid, cdata, cnext, err := b.record(p)
				if err != nil || cid != recContinue {
					break
				}
				segs = append(segs, cdata)
				p, off = cnext, cnext
			}
			b.sst = readSST(segs)
		}
	}
}

// readSheet reads the worksheet substream starting at off.
func (b *book) readSheet(ctx context.Context, off int, sh *Sheet) error {
	id, data, off, err := b.record(off)
	if err != nil || id != recBOF || len(data) < 4 {
		return ErrMalformed
	}
	depth := 0
	pendingString := [2]int{-1, -1} // cell whose formula result follows in STRING
	for n := 0; ; n++ {
		if n%65536 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		id, data, next, err := b.record(off)
		if err != nil {
			return err
		}
		off = next
		switch id {
		case recBOF:
			depth++ // an embedded chart: skip to its EOF
			continue
		case recEOF:
			if depth == 0 {
				return nil
			}
			depth--
			continue
		}
		if depth > 0 {
			continue
		}
		if id != recString && id != recContinue {
			pendingString = [2]int{-1, -1}
		}
		switch id {
		case recLabelSST:
			if len(data) >= 10 {
				i := int(binary.LittleEndian.Uint32(data[6:]))
				if i >= 0 && i < len(b.sst) {
					b.set(sh, data, b.sst[i])
				}
			}
		case recLabel, recRString:
			if len(data) >= 8 {
				s, _ := unicodeString(data[6:])
				b.set(sh, data, s)
			}
		case recNumber:
			if len(data) >= 14 {
				b.set(sh, data, formatFloat(math.Float64frombits(binary.LittleEndian.Uint64(data[6:]))))
			}
		case recRK:
			if len(data) >= 10 {
				b.set(sh, data, formatFloat(rk(binary.LittleEndian.Uint32(data[6:]))))
			}
		case recMulRK:
			if len(data) < 6 {
				continue
			}
			row := int(binary.LittleEndian.Uint16(data))
			col := int(binary.LittleEndian.Uint16(data[2:]))
			for p := 4; p+6 <= len(data)-2; p += 6 {
				b.setAt(sh, row, col, formatFloat(rk(binary.LittleEndian.Uint32(data[p+2:]))))
				col++
			}
		case recBoolErr:
			if len(data) >= 8 {
				b.set(sh, data, boolErr(data[6], data[7]))
			}
		case recFormula:
			if len(data) < 14 {
				continue
			}
			res := data[6:14]
			if res[6] != 0xFF || res[7] != 0xFF {
				b.set(sh, data, formatFloat(math.Float64frombits(binary.LittleEndian.Uint64(res))))
				continue
			}
			switch res[0] {
			case 0: // string, in the STRING record that follows
				pendingString = [2]int{int(binary.LittleEndian.Uint16(data)), int(binary.LittleEndian.Uint16(data[2:]))}
			case 1:
				b.set(sh, data, boolErr(res[2], 0))
			case 2:
				b.set(sh, data, boolErr(res[2], 1))
			}
		case recString:
			if pendingString[0] >= 0 {
				s, _ := unicodeString(data)
				b.setAt(sh, pendingString[0], pendingString[1], s)
				pendingString = [2]int{-1, -1}
			}
		case recMergeCells:
			if len(data) < 2 {
				continue
			}
			n := int(binary.LittleEndian.Uint16(data))
			for i := 0; i < n && 2+8*i+8 <= len(data); i++ {
				p := data[2+8*i:]
				rg := Range{
					FirstRow: int(binary.LittleEndian.Uint16(p)), LastRow: int(binary.LittleEndian.Uint16(p[2:])),
					FirstCol: int(binary.LittleEndian.Uint16(p[4:])), LastCol: int(binary.LittleEndian.Uint16(p[6:])),
				}
				if rg.FirstRow <= rg.LastRow && rg.FirstCol <= rg.LastCol && len(sh.Merges) < 10_000 {
					sh.Merges = append(sh.Merges, rg)
				}
			}
		}
	}
}

// set stores s at the cell addressed by a cell record's first four bytes.
func (b *book) set(sh *Sheet, data []byte, s string) {
	b.setAt(sh, int(binary.LittleEndian.Uint16(data)), int(binary.LittleEndian.Uint16(data[2:])), s)
}

func (b *book) setAt(sh *Sheet, row, col int, s string) {
	if s == "" {
		return
	}
	if row >= b.lim.MaxRows || col > 255 {
		sh.Truncated = true
		return
	}
	for len(sh.Rows) <= row {
		sh.Rows = append(sh.Rows, nil)
	}
	r := sh.Rows[row]
	if col >= len(r) {
		grow := col + 1 - len(r)
		if b.cells+grow > b.lim.MaxCells {
			sh.Truncated = true
			return
		}
		b.cells += grow
		r = append(r, make([]string, grow)...)
		sh.Rows[row] = r
	}
	r[col] = s
}

// formatFloat prints a cell number the way a person would read it.
func formatFloat(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return ""
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// rk decodes an RK number (MS-XLS 2.5.217).
func rk(v uint32) float64 {
	var f float64
	if v&0x02 != 0 {
		f = float64(int32(v) >> 2)
	} else {
		f = math.Float64frombits(uint64(v&0xFFFFFFFC) << 32)
	}
	if v&0x01 != 0 {
		f /= 100
	}
	return f
}

// boolErr renders a BOOLERR value: a boolean, or an error code.
func boolErr(v, isErr byte) string {
	if isErr == 0 {
		if v != 0 {
			return "TRUE"
		}
		return "FALSE"
	}
	switch v {
	case 0x00:
		return "#NULL!"
	case 0x07:
		return "#DIV/0!"
	case 0x0F:
		return "#VALUE!"
	case 0x17:
		return "#REF!"
	case 0x1D:
		return "#NAME?"
	case 0x24:
		return "#NUM!"
	case 0x2A:
		return "#N/A"
	}
	return "#ERROR"
}

// shortString decodes a ShortXLUnicodeString (8-bit length).
func shortString(p []byte) (string, int) {
	if len(p) < 2 {
		return "", len(p)
	}
	return chars(p[2:], int(p[0]), p[1]&0x01 != 0)
}

// unicodeString decodes an XLUnicodeString (16-bit length), ignoring
// rich-text runs that may follow.
func unicodeString(p []byte) (string, int) {
	if len(p) < 3 {
		return "", len(p)
	}
	s, n := chars(p[3:], int(binary.LittleEndian.Uint16(p)), p[2]&0x01 != 0)
	return s, 3 + n
}

// chars decodes n characters, 16-bit when high, else 8-bit (Latin-1),
// from p; it stops early at the end of p.
func chars(p []byte, n int, high bool) (string, int) {
	if high {
		n = min(n, len(p)/2)
		u := make([]uint16, n)
		for i := range u {
			u[i] = binary.LittleEndian.Uint16(p[2*i:])
		}
		return string(utf16.Decode(u)), 2 * n
	}
	n = min(n, len(p))
	r := make([]rune, n)
	for i := range r {
		r[i] = rune(p[i])
	}
	return string(r), n
}
