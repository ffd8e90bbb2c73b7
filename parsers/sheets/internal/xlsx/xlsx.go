// Package xlsx reads the cell texts of an .xlsx/.xlsm workbook (and a WPS
// .et saved as OOXML) by streaming its parts from the zip, under limits
// checked as it goes: per cell, per element and per byte decompressed.
//
// It is hand-written because excelize, which the module uses for writing,
// can bound neither a cell nor a row while reading (its row iterator pads
// every row out to its last column before returning it) and lists merged
// cells only by loading the whole sheet, and it spills large parts into
// temporary files. Here each sheet is read once, in one pass, straight
// from the zip reader: rows and cells from <sheetData>, merged areas from
// the <mergeCells> after it. Nothing is written to disk.
//
// Values are read raw, as excelize's RawCellValue gave them: numbers and
// dates as stored (dates are serial numbers), booleans as 0/1, errors as
// their text, formulas by their cached value (empty when none is cached),
// shared and inline strings with their rich-text runs joined, phonetic
// runs left out and _xHHHH_ escapes decoded.
package xlsx

import (
	"errors"
	"fmt"
)

// Default limits, for zero fields of Limits.
const (
	DefaultMaxColumns           = 1024
	DefaultMaxRows              = 100_000
	DefaultMaxCells             = 2_000_000
	DefaultMaxCellRunes         = 32_767 // Excel's own limit for a cell
	DefaultMaxTextBytes         = 32 << 20
	DefaultMaxSharedStrings     = 1_000_000
	DefaultMaxSharedStringBytes = 16 << 20
	DefaultMaxMerges            = 10_000
	DefaultMaxPartBytes         = 256 << 20
	DefaultMaxTotalBytes        = 256 << 20
	DefaultMaxParts             = 10_000
	DefaultMaxRatio             = 100
	// RatioFloor: a part is checked against MaxRatio only past this size.
	RatioFloor = 16 << 20
	// maxMetaBytes bounds the small XML parts (.rels, workbook.xml).
	maxMetaBytes = 16 << 20
)

// Limits bound Read. Zero fields take the defaults.
type Limits struct {
	// MaxColumns: cells at or past this column (zero-based) are skipped
	// (Sheet.SkippedRows).
	MaxColumns int
	// MaxRows: a row numbered past it ends the sheet's rows (StopRows).
	MaxRows int
	// MaxCells bounds the cells kept over all sheets, counted as the
	// padded widths of the rows kept (StopCells).
	MaxCells int
	// MaxCellRunes: longer cell texts are cut (Sheet.CutCells,
	// Workbook.CutStrings).
	MaxCellRunes int
	// MaxTextBytes bounds the text of the cells kept over all sheets,
	// shared strings not counted (StopText).
	MaxTextBytes int64
	// MaxSharedStrings and MaxSharedStringBytes bound the shared string
	// table; past them the workbook is refused (ErrSharedStrings).
	MaxSharedStrings     int
	MaxSharedStringBytes int64
	// MaxMerges bounds the merged areas kept per sheet
	// (Sheet.SkippedMerges).
	MaxMerges int
	// MaxPartBytes and MaxTotalBytes bound the bytes decompressed from
	// one part and from all parts read (ErrTooLarge).
	MaxPartBytes  int64
	MaxTotalBytes int64
	// MaxParts bounds the entries of the zip (ErrTooManyParts).
	MaxParts int
	// MaxRatio: a part larger than RatioFloor that decompresses to more
	// than MaxRatio times its compressed size is refused (ErrRatio).
	MaxRatio int64
}

// WithDefaults returns l with its zero fields set to the defaults.
func (l Limits) WithDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def64 := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MaxColumns, DefaultMaxColumns)
	def(&l.MaxRows, DefaultMaxRows)
	def(&l.MaxCells, DefaultMaxCells)
	def(&l.MaxCellRunes, DefaultMaxCellRunes)
	def64(&l.MaxTextBytes, DefaultMaxTextBytes)
	def(&l.MaxSharedStrings, DefaultMaxSharedStrings)
	def64(&l.MaxSharedStringBytes, DefaultMaxSharedStringBytes)
	def(&l.MaxMerges, DefaultMaxMerges)
	def64(&l.MaxPartBytes, DefaultMaxPartBytes)
	def64(&l.MaxTotalBytes, DefaultMaxTotalBytes)
	def(&l.MaxParts, DefaultMaxParts)
	def64(&l.MaxRatio, DefaultMaxRatio)
	// Offsets into the shared string table are 32-bit.
	l.MaxSharedStringBytes = min(l.MaxSharedStringBytes, 1<<31)
	l.MaxColumns = min(l.MaxColumns, MaxExcelColumns)
	return l
}

// MaxExcelColumns is the number of columns of a worksheet (A to XFD).
const MaxExcelColumns = 16384

// Errors of Read. A *LimitError wraps ErrTooLarge, ErrRatio or
// ErrSharedStrings; an error of archive/zip (zip.ErrFormat, …) is
// returned as is.
var (
	// ErrNoWorkbook: the package has no workbook part, or it lists no
	// sheet (an .xlsb's binary workbook reads so).
	ErrNoWorkbook = errors.New("xlsx: no workbook part")
	// ErrMalformed: the workbook part or its relationships are damaged.
	ErrMalformed = errors.New("xlsx: workbook part damaged")
	// ErrTooManyParts: the zip has more entries than Limits.MaxParts.
	ErrTooManyParts = errors.New("xlsx: too many zip entries")
	// ErrTooLarge: a part, or all parts read, decompress to more than
	// Limits.MaxPartBytes or Limits.MaxTotalBytes.
	ErrTooLarge = errors.New("xlsx: too large")
	// ErrRatio: a part expands more than Limits.MaxRatio times.
	ErrRatio = errors.New("xlsx: compression ratio too high")
	// ErrSharedStrings: the shared string table exceeds
	// Limits.MaxSharedStrings or Limits.MaxSharedStringBytes.
	ErrSharedStrings = errors.New("xlsx: shared string table too large")
)

// LimitError tells which part broke which limit.
type LimitError struct {
	Err   error  // ErrTooLarge, ErrRatio or ErrSharedStrings
	Part  string // the part's name in the zip
	What  string // "part", "total", "ratio", "count" or "bytes"
	Size  int64  // the size (or count) reached or declared
	Limit int64
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("%v: %s %s %d > %d", e.Err, e.Part, e.What, e.Size, e.Limit)
}

func (e *LimitError) Unwrap() error { return e.Err }

// Workbook is what Read found.
type Workbook struct {
	// Sheets in workbook order, hidden ones too.
	Sheets []*Sheet
	// CutStrings counts shared strings cut to Limits.MaxCellRunes.
	CutStrings int
	// SkippedSheets counts sheets past Limits.MaxParts (.ods: tables
	// past it are not read).
	SkippedSheets int
}

// Stop tells why a sheet's rows ended before its last row.
type Stop uint8

const (
	StopNone    Stop = iota
	StopRows         // a row past Limits.MaxRows
	StopCells        // the cell budget ran out
	StopText         // the text budget ran out
	StopDamaged      // the part is damaged (Sheet.Err)
)

// Range is a merged area, zero-based and inclusive.
type Range struct {
	FirstRow, LastRow, FirstCol, LastCol int
}

// Sheet is one worksheet's cell texts.
type Sheet struct {
	Name string
	// Hidden is true for hidden and very hidden sheets.
	Hidden bool
	// Missing: the workbook lists the sheet but its part is absent.
	Missing bool
	// Rows are indexed by row, then column; a row ends at its last cell
	// holding a value or a formula, absent cells are "".
	Rows [][]string
	// Merges are the merged areas read.
	Merges []Range
	// Stop tells why the rows ended early; Err is set for StopDamaged.
	Stop Stop
	Err  error
	// SkippedRows counts rows with a value at or past
	// Limits.MaxColumns; the first such cell is SkippedAt ("XFD1").
	// The rest of such a row is skipped unread (cells come in column
	// order).
	SkippedRows int
	SkippedAt   string
	// CutCells counts inline texts cut to Limits.MaxCellRunes.
	CutCells int
	// SkippedMerges counts merged areas past Limits.MaxMerges.
	SkippedMerges int
	// Uncached are the formula cells saved without their result (WPS,
	// files written by programs), at most MaxUncached; their text in Rows
	// is "".
	Uncached []Formula
}

// Formula is a formula cell whose result the file does not hold.
type Formula struct {
	Row, Col int    // zero-based
	Text     string // the formula, cut to MaxFormulaBytes ("" for a shared formula's followers)
}

// Bounds of Sheet.Uncached.
const (
	MaxUncached     = 1000
	MaxFormulaBytes = 256
)

// ColumnName returns the letters of a zero-based column ("A", "XFD").
func ColumnName(col int) string {
	var b []byte
	for col++; col > 0; col = (col - 1) / 26 {
		b = append([]byte{byte('A' + (col-1)%26)}, b...)
	}
	return string(b)
}
