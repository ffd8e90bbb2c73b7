package sheets

// grid is one table as read from any format: a sheet of a workbook, or a
// Word table with the paragraphs before it as one-cell rows.
type grid struct {
	// name is the sheet name, or "表格 N" for the N-th Word table.
	name   string
	hidden bool
	// text: read from delimited text (.csv), where a file without a
	// table is worth a finding (it cannot be anything else).
	text bool
	// rows hold cell texts; cells covered by a merged area are "".
	rows [][]string
	// covered maps a covered cell to its merged area's top-left cell.
	covered map[cellRef]cellRef
	// coverWidth is, per row, one past the last covered column.
	coverWidth map[int]int
	// uncached holds the formulas saved without their result, by cell
	// (their text in rows is "").
	uncached map[cellRef]string
}

// addUncached records a formula cell saved without its result.
func (g *grid) addUncached(r, c int, formula string) {
	if g.uncached == nil {
		g.uncached = map[cellRef]string{}
	}
	g.uncached[cellRef{r, c}] = formula
}

// formulaAt reports whether (r, c) is a formula saved without its result,
// and its text.
func (g *grid) formulaAt(r, c int) (string, bool) {
	f, ok := g.uncached[cellRef{r, c}]
	return f, ok
}

type cellRef struct{ row, col int }

// area is a merged area, inclusive.
type area struct{ r0, c0, r1, c1 int }

// maxCovered bounds the covered-cell map of one grid.
const maxCovered = 200_000

// addMerges records merged areas; areas outside the grid are clipped.
// The work is bounded: the cells visited over all areas (overlapping
// areas made to be large visit the same cells again) stop at twice
// maxCovered.
func (g *grid) addMerges(areas []area) {
	visits := 0
	for _, a := range areas {
		if a.r0 < 0 || a.c0 < 0 || a.r1 < a.r0 || a.c1 < a.c0 || a.r0 >= len(g.rows) {
			continue
		}
		a.r1 = min(a.r1, len(g.rows)-1)
		size := (a.r1 - a.r0 + 1) * (a.c1 - a.c0 + 1)
		if size > maxCovered || len(g.covered) >= maxCovered || visits+size > 2*maxCovered {
			continue
		}
		visits += size
		if g.covered == nil {
			g.covered = map[cellRef]cellRef{}
			g.coverWidth = map[int]int{}
		}
		for r := a.r0; r <= a.r1; r++ {
			for c := a.c0; c <= a.c1; c++ {
				if (r != a.r0 || c != a.c0) && len(g.covered) < maxCovered {
					g.covered[cellRef{r, c}] = cellRef{a.r0, a.c0}
					g.coverWidth[r] = max(g.coverWidth[r], c+1)
				}
			}
		}
	}
}

// cell returns the text at (r, c), "" when absent.
func (g *grid) cell(r, c int) string {
	if r < 0 || r >= len(g.rows) || c < 0 || c >= len(g.rows[r]) {
		return ""
	}
	return g.rows[r][c]
}

// label returns the text shown at (r, c): a covered cell shows its merged
// area's text. Use it for labels, never for values (a merged value would
// count twice).
func (g *grid) label(r, c int) string {
	if o, ok := g.covered[cellRef{r, c}]; ok {
		return g.cell(o.row, o.col)
	}
	return g.cell(r, c)
}

// isCovered reports whether (r, c) lies inside a merged area, not at its
// top-left.
func (g *grid) isCovered(r, c int) bool {
	_, ok := g.covered[cellRef{r, c}]
	return ok
}

// width returns the number of columns of row r, counting covered cells.
func (g *grid) width(r int) int {
	w := 0
	if r >= 0 && r < len(g.rows) {
		w = len(g.rows[r])
	}
	return max(w, g.coverWidth[r])
}

// Bounds of the part of a grid transpose turns.
const (
	maxTransposeRows = 200
	maxTransposeCols = 200
)

// transpose returns the grid turned over its diagonal (rows become
// columns), for a table laid out across: labels in a row, values below.
// The lines above the table (title, unit line: rows of one cell) are
// left out; only the next maxTransposeRows rows and maxTransposeCols
// columns are turned.
func (g *grid) transpose() *grid {
	r0 := 0
	for r0 < len(g.rows) && r0 < maxTransposeRows && g.origins(r0) < 2 {
		r0++
	}
	nr := min(len(g.rows)-r0, maxTransposeRows)
	nc := 0
	for r := range nr {
		nc = max(nc, min(g.width(r), maxTransposeCols))
	}
	t := &grid{name: g.name, hidden: g.hidden, text: g.text, rows: make([][]string, nc)}
	for c := range nc {
		t.rows[c] = make([]string, nr)
		for r := range nr {
			t.rows[c][r] = g.cell(r0+r, c)
		}
	}
	for cov, origin := range g.covered {
		cov.row, origin.row = cov.row-r0, origin.row-r0
		if cov.row >= 0 && origin.row >= 0 && cov.row < nr && cov.col < nc && origin.row < nr && origin.col < nc {
			if t.covered == nil {
				t.covered, t.coverWidth = map[cellRef]cellRef{}, map[int]int{}
			}
			t.covered[cellRef{cov.col, cov.row}] = cellRef{origin.col, origin.row}
			t.coverWidth[cov.col] = max(t.coverWidth[cov.col], cov.row+1)
		}
	}
	for ref, f := range g.uncached {
		if r := ref.row - r0; r >= 0 && r < nr && ref.col < nc {
			t.addUncached(ref.col, r, f)
		}
	}
	return t
}

// origins counts the filled cells of row r not covered by a merge.
func (g *grid) origins(r int) int {
	n := 0
	for c, t := range g.rows[r] {
		if t != "" && !g.isCovered(r, c) {
			n++
		}
	}
	return n
}
