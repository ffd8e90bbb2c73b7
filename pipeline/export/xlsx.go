package export

import (
	"bytes"
	"fmt"
	"io"
	"math"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/width"
)

// Fill colours of the exports: values to check, units without a table.
const (
	colorUnreadable = "F8CBAD" // orange: raw text that is not a number
	colorEstimate   = "FFF2CC" // yellow: an estimate (约500) counted as written
	colorMissing    = "E7E6E6" // grey: no table
	colorHeader     = "DDEBF7"
)

// book is a workbook being written, with the styles the exports share.
type book struct {
	f *excelize.File
	// Styles.
	title, subtitle, header, text, textWrap, number, total, group, label,
	unreadable, estimate, missing, note, phone int
	err error
}

func newBook() *book {
	f := excelize.NewFile()
	b := &book{f: f}
	thin := []excelize.Border{{Type: "left", Color: "808080", Style: 1}, {Type: "right", Color: "808080", Style: 1},
		{Type: "top", Color: "808080", Style: 1}, {Type: "bottom", Color: "808080", Style: 1}}
	font := func(size float64, bold bool) *excelize.Font {
		return &excelize.Font{Family: "宋体", Size: size, Bold: bold}
	}
	fill := func(c string) excelize.Fill { return excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{c}} }
	center := &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}
	left := &excelize.Alignment{Horizontal: "left", Vertical: "center", WrapText: true}
	top := &excelize.Alignment{Horizontal: "left", Vertical: "top", WrapText: true}
	right := &excelize.Alignment{Horizontal: "right", Vertical: "center"}
	style := func(s *excelize.Style) int {
		id, err := f.NewStyle(s)
		if err != nil && b.err == nil {
			b.err = err
		}
		return id
	}
	b.title = style(&excelize.Style{Font: font(16, true), Alignment: center})
	b.subtitle = style(&excelize.Style{Font: font(10, false), Alignment: top})
	b.header = style(&excelize.Style{Font: font(11, true), Alignment: center, Border: thin, Fill: fill(colorHeader)})
	b.text = style(&excelize.Style{Font: font(11, false), Alignment: left, Border: thin})
	b.textWrap = style(&excelize.Style{Font: font(11, false), Alignment: top, Border: thin})
	b.phone = style(&excelize.Style{Font: font(11, false), Alignment: top, Border: thin, NumFmt: 49})
	b.number = style(&excelize.Style{Font: font(11, false), Alignment: right, Border: thin})
	b.total = style(&excelize.Style{Font: font(11, true), Alignment: right, Border: thin})
	b.group = style(&excelize.Style{Font: font(11, false), Alignment: center, Border: thin})
	b.label = style(&excelize.Style{Font: font(11, false), Alignment: left, Border: thin})
	b.unreadable = style(&excelize.Style{Font: font(11, false), Alignment: right, Border: thin, Fill: fill(colorUnreadable)})
	b.estimate = style(&excelize.Style{Font: font(11, false), Alignment: right, Border: thin, Fill: fill(colorEstimate)})
	b.missing = style(&excelize.Style{Font: font(11, false), Alignment: center, Border: thin, Fill: fill(colorMissing)})
	b.note = style(&excelize.Style{Font: font(10, false), Alignment: top})
	return b
}

// sheet creates (or, for the first, renames) a sheet.
func (b *book) sheet(first bool, name string) {
	if b.err != nil {
		return
	}
	if first {
		b.err = b.f.SetSheetName("Sheet1", name)
		return
	}
	_, b.err = b.f.NewSheet(name)
}

// stream opens a stream writer on sheet.
func (b *book) stream(name string) *excelize.StreamWriter {
	if b.err != nil {
		return nil
	}
	sw, err := b.f.NewStreamWriter(name)
	b.err = err
	return sw
}

// check records the first error.
func (b *book) check(err error) {
	if err != nil && b.err == nil {
		b.err = err
	}
}

// print sets a sheet up for printing on A4: landscape or portrait, fitted
// to the page width when fit, the rows (e.g. "$3:$3") and columns (e.g.
// "$A:$B") repeated on every page.
func (b *book) print(name string, landscape, fit bool, rows, cols string) {
	if b.err != nil {
		return
	}
	size, orient := 9, "portrait" // 9: A4
	if landscape {
		orient = "landscape"
	}
	opts := &excelize.PageLayoutOptions{Size: &size, Orientation: &orient}
	if fit {
		one, auto := 1, 0
		opts.FitToWidth, opts.FitToHeight = &one, &auto
		yes := true
		b.check(b.f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &yes}))
	}
	b.check(b.f.SetPageLayout(name, opts))
	m, h := 0.5, 0.3
	b.check(b.f.SetPageMargins(name, &excelize.PageLayoutMarginsOptions{Left: &m, Right: &m, Top: &m, Bottom: &m, Header: &h, Footer: &h}))
	b.check(b.f.SetHeaderFooter(name, &excelize.HeaderFooterOptions{OddFooter: "&C第 &P 页，共 &N 页"}))
	ref := ""
	quoted := "'" + name + "'!"
	if cols != "" {
		ref = quoted + cols
	}
	if rows != "" {
		if ref != "" {
			ref += ","
		}
		ref += quoted + rows
	}
	if ref != "" {
		b.check(b.f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: ref, Scope: name}))
	}
}

// active selects the sheet shown on opening. Call it before streaming:
// afterwards excelize would parse every streamed sheet back.
func (b *book) active(index int) {
	if b.err == nil {
		b.f.SetActiveSheet(index)
	}
}

// write finishes the workbook into w.
func (b *book) write(w io.Writer) error {
	defer b.f.Close()
	if b.err != nil {
		return fmt.Errorf("export: %w", b.err)
	}
	if _, err := b.f.WriteTo(w); err != nil {
		return fmt.Errorf("export: write workbook: %w", err)
	}
	return nil
}

// firstSheet is the part of a workbook's first sheet (excelize's name).
const firstSheet = "xl/worksheets/sheet1.xml"

// writeRows finishes the workbook into w with the rows that rows writes
// after the first sheet's (streamed, flushed) rows; ncols is the number
// of columns they use. See writePackage.
func (b *book) writeRows(w io.Writer, ncols int, rows func(*sheetRows)) error {
	defer b.f.Close()
	if b.err != nil {
		return fmt.Errorf("export: %w", b.err)
	}
	var pkg bytes.Buffer // the workbook without the rows: some kilobytes
	if _, err := b.f.WriteTo(&pkg); err != nil {
		return fmt.Errorf("export: write workbook: %w", err)
	}
	if err := writePackage(w, pkg.Bytes(), firstSheet, ncols, rows); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// cell names the cell at col, row (1-based).
func cell(col, row int) string {
	name, _ := excelize.CoordinatesToCellName(col, row)
	return name
}

// colName names column col (1-based).
func colName(col int) string {
	name, _ := excelize.ColumnNumberToName(col)
	return name
}

// Row heights: spreadsheet programs do not grow a row for wrapped text
// when they open a file, so each row's height is set from its longest
// cell: lines of text at its column's width (a Chinese character is two
// units of width, as in a column width), 16 points a line.
const (
	lineHeight = 16.0
	maxHeight  = 409.0 // Excel's limit
)

// fitHeight is the height that shows texts (cell by cell) in columns of
// the given widths, at least min.
func fitHeight(texts []string, widths []float64, min float64) float64 {
	lines := 1
	for i, t := range texts {
		if t == "" || i >= len(widths) {
			continue
		}
		usable := max(widths[i]-1.5, 1)
		n, w := 0, 0.0
		for _, r := range t {
			if r == '\n' {
				n += max(1, int(math.Ceil(w/usable)))
				w = 0
				continue
			}
			w += runeWidth(r)
		}
		n += max(1, int(math.Ceil(w/usable)))
		lines = max(lines, n)
	}
	return math.Min(maxHeight, math.Max(min, float64(lines)*lineHeight+4))
}

// runeWidth is 2 for East Asian wide characters, else 1.
func runeWidth(r rune) float64 {
	switch {
	case r < 0x1100:
		return 1
	case r >= 0x4e00 && r <= 0x9fff, r >= 0x3000 && r <= 0x303f, r >= 0xff01 && r <= 0xff60:
		return 2
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}
