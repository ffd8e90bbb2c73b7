// Package docx reads the text and tables of a Word .docx file (Office Open
// XML WordprocessingML) in document order: paragraphs as text, tables as rows
// of cells with their merge marks.
//
// It reads only word/document.xml, streaming, under limits on uncompressed
// size, element count and nesting depth. Bad input never makes it fail: what
// could be read is returned together with findings.
package docx

import (
	"strings"
)

// Document is the body of a .docx file.
type Document struct {
	// Blocks are the body's paragraphs and tables in document order.
	Blocks []Block `json:"blocks"`
}

// Block is one paragraph or one table of the body; exactly one of the two
// is set.
type Block struct {
	// Paragraph is the paragraph's text: runs joined, tabs as "\t", line
	// breaks as "\n". Empty paragraphs are kept as "".
	Paragraph string `json:"paragraph,omitempty"`
	// Table is set when the block is a table.
	Table *Table `json:"table,omitempty"`
}

// MaxGridColumns bounds the width of Table.Grid. Word itself allows 63
// columns.
const MaxGridColumns = 256

// Table is a Word table.
type Table struct {
	// Rows hold the cells of each row as written (w:tc elements); a cell
	// spanning several grid columns appears once, with GridSpan > 1.
	Rows [][]Cell `json:"rows"`
}

// Cell is one table cell.
type Cell struct {
	// Text is the cell's paragraphs joined with "\n". A table nested in the
	// cell is flattened into lines of tab-separated cells.
	Text string `json:"text"`
	// GridSpan is the number of grid columns the cell spans (1 when not
	// merged horizontally).
	GridSpan int `json:"grid_span"`
	// VMerge is "restart" for the first cell of a vertical merge,
	// "continue" for the cells it covers, and "" otherwise.
	VMerge string `json:"vmerge,omitempty"`
}

// Text returns the document as plain text: each paragraph on its own line
// and each table row on its own line with its cells separated by tabs
// (newlines and tabs inside a cell become spaces).
func (d *Document) Text() string {
	var b strings.Builder
	for _, bl := range d.Blocks {
		if bl.Table == nil {
			b.WriteString(bl.Paragraph)
			b.WriteByte('\n')
			continue
		}
		for _, row := range bl.Table.Rows {
			b.WriteString(rowText(row))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// rowText joins a row's cells with tabs, flattening each cell to one line.
func rowText(row []Cell) string {
	parts := make([]string, len(row))
	for i, c := range row {
		parts[i] = strings.NewReplacer("\r\n", " ", "\n", " ", "\t", " ").Replace(c.Text)
	}
	return strings.Join(parts, "\t")
}

// Grid returns the table as a rectangular grid of texts indexed by grid
// column: a cell spanning n columns fills its first column and leaves the
// others "", and a vertically merged continuation cell is "" (the text
// stays in the restart cell). Useful for reading a table like a sheet.
// Columns past MaxGridColumns are dropped.
func (t *Table) Grid() [][]string {
	width := 0
	for _, row := range t.Rows {
		w := 0
		for _, c := range row {
			w += max(c.GridSpan, 1)
		}
		width = max(width, w)
	}
	width = min(width, MaxGridColumns)
	grid := make([][]string, len(t.Rows))
	for i, row := range t.Rows {
		line := make([]string, width)
		col := 0
		for _, c := range row {
			if col < width && c.VMerge != "continue" {
				line[col] = c.Text
			}
			col += max(c.GridSpan, 1)
		}
		grid[i] = line
	}
	return grid
}
