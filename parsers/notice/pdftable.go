package notice

import (
	"bufio"
	"sort"
	"strconv"
	"strings"
)

// A PDF keeps no tables, only words at positions. pdfTables rebuilds the
// unit columns of the notices' tables from pdftotext's word boxes (-tsv):
// the header row gives the columns (推荐单位 …), the numbers of the 序号
// column give the rows, and each line of words under a header is put in
// the row whose number is nearest — table cells are vertically centred in
// the notices, and in LibreOffice's and WPS's output alike.

// pdfWord is one word box of pdftotext -tsv.
type pdfWord struct {
	page           int
	x0, y0, x1, y1 float64
	text           string
}

func (w pdfWord) cx() float64 { return (w.x0 + w.x1) / 2 }
func (w pdfWord) cy() float64 { return (w.y0 + w.y1) / 2 }

// maxPDFWords caps the words read from pdftotext -tsv.
const maxPDFWords = 200000

// parseTSV reads the word rows (level 5) of pdftotext -tsv.
func parseTSV(tsv string) []pdfWord {
	var out []pdfWord
	sc := bufio.NewScanner(strings.NewReader(tsv))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() && len(out) < maxPDFWords {
		f := strings.Split(sc.Text(), "\t")
		if len(f) < 12 || f[0] != "5" {
			continue
		}
		var v [5]float64
		ok := true
		for i, k := range []int{1, 6, 7, 8, 9} {
			n, err := strconv.ParseFloat(f[k], 64)
			ok = ok && err == nil
			v[i] = n
		}
		text := strings.TrimSpace(f[11])
		if !ok || text == "" {
			continue
		}
		out = append(out, pdfWord{page: int(v[0]), x0: v[1], y0: v[2], x1: v[1] + v[3], y1: v[2] + v[4], text: text})
	}
	return out
}

// tableRow is a table row from any source: cells in header order, each
// with its source.
type tableRow struct {
	cells []string
	srcs  []Source
}

// pdfTables rebuilds, page by page, the tables whose header has a 推荐单位
// (or another unit) column. It returns each table as a header row followed
// by its data rows.
func pdfTables(words []pdfWord) [][]tableRow {
	byPage := map[int][]pdfWord{}
	var pages []int
	for _, w := range words {
		if _, ok := byPage[w.page]; !ok {
			pages = append(pages, w.page)
		}
		byPage[w.page] = append(byPage[w.page], w)
	}
	sort.Ints(pages)
	var out [][]tableRow
	var carry []column
	for _, p := range pages {
		var tables [][]tableRow
		tables, carry = pageTables(byPage[p], carry)
		out = append(out, tables...)
	}
	return out
}

// column is a header column: its name and x extent.
type column struct {
	name   string
	x0, x1 float64
}

// pageTables rebuilds the tables of one page. carry is the header of a
// table that ran to the end of the previous page: its rows continue at the
// top of this one, under no header. It returns the header that runs on to
// the next page, if any.
func pageTables(ws []pdfWord, carry []column) ([][]tableRow, []column) {
	// Header bands: the words around each 序号 that has a unit column
	// beside it.
	type band struct {
		y0, y1 float64
		cols   []column
	}
	var bands []band
	for _, w := range ws {
		if w.text != "序号" || len(bands) >= 20 {
			continue
		}
		// The header row: words centred within about half a line of 序号
		// (a header wrapped in its cell has lines half a line above and
		// below); the first data row starts a whole line lower.
		reach := 0.6 * (w.y1 - w.y0)
		var hdr []pdfWord
		for _, h := range ws {
			if abs(h.cy()-w.cy()) <= reach && h.x0 >= w.x0-1 && len([]rune(h.text)) <= 8 {
				hdr = append(hdr, h)
			}
		}
		cols := headerColumns(hdr)
		named := false
		for _, c := range cols {
			named = named || c.name == ColumnRecommender || contains(otherUnitColumns, c.name)
		}
		if !named || cols[0].name != "序号" {
			continue
		}
		b := band{y0: w.y0, y1: w.y1, cols: cols}
		for _, h := range hdr {
			b.y0, b.y1 = min(b.y0, h.y0), max(b.y1, h.y1)
		}
		bands = append(bands, b)
	}
	sort.Slice(bands, func(i, j int) bool { return bands[i].y0 < bands[j].y0 })
	if carry != nil {
		bands = append([]band{{y0: -1e9, y1: -1e9, cols: carry}}, bands...)
	}
	var out [][]tableRow
	for i, b := range bands {
		bottom := 1e9
		if i+1 < len(bands) {
			bottom = bands[i+1].y0
		}
		var body []pdfWord
		for _, w := range ws {
			if w.y0 > b.y1 && w.y1 < bottom {
				body = append(body, w)
			}
		}
		if t := bandTable(b.cols, body); len(t) > 1 {
			out = append(out, t)
		}
	}
	if len(bands) == 0 {
		return out, nil
	}
	return out, bands[len(bands)-1].cols
}

// headerColumns merges header words that overlap in x (a header wrapped
// in its cell: "依托基" over "地") into columns, left to right.
func headerColumns(hdr []pdfWord) []column {
	sort.Slice(hdr, func(i, j int) bool { return hdr[i].x0 < hdr[j].x0 })
	var cols []column
	var parts [][]pdfWord
	for _, h := range hdr {
		if n := len(cols); n > 0 && h.x0 < cols[n-1].x1-1 {
			cols[n-1].x1 = max(cols[n-1].x1, h.x1)
			parts[n-1] = append(parts[n-1], h)
			continue
		}
		cols = append(cols, column{x0: h.x0, x1: h.x1})
		parts = append(parts, []pdfWord{h})
	}
	for i := range cols {
		sort.Slice(parts[i], func(a, b int) bool { return parts[i][a].y0 < parts[i][b].y0 })
		var name strings.Builder
		for _, w := range parts[i] {
			name.WriteString(w.text)
		}
		cols[i].name = name.String()
	}
	return cols
}

// maxBandWords caps the words under one header (a notice's table holds a
// few thousand at most); the border search is quadratic in them.
const maxBandWords = 8000

// bandTable builds the rows under one header.
func bandTable(cols []column, body []pdfWord) []tableRow {
	if len(body) > maxBandWords {
		return nil
	}
	// Column borders: in the gap between two header columns, the x
	// covered by no body word nearest the middle; else the middle.
	borders := make([]float64, len(cols)+1)
	borders[0], borders[len(cols)] = -1e9, 1e9
	for i := 1; i < len(cols); i++ {
		lo, hi := cols[i-1].x1, cols[i].x0
		mid := (lo + hi) / 2
		best, found := mid, false
		for x := lo; x <= hi; x += 0.5 {
			covered := false
			for _, w := range body {
				if w.x0 < x && w.x1 > x {
					covered = true
					break
				}
			}
			if !covered && (!found || abs(x-mid) < abs(best-mid)) {
				best, found = x, true
			}
		}
		borders[i] = best
	}
	colOf := func(w pdfWord) int {
		for i := range cols {
			if w.cx() >= borders[i] && w.cx() < borders[i+1] {
				return i
			}
		}
		return -1
	}
	// Rows: the numbers of the first (序号) column.
	type row struct {
		num   string
		cy    float64
		lines map[int][]pdfWord
	}
	var rows []*row
	for _, w := range body {
		if colOf(w) == 0 {
			if _, err := strconv.Atoi(w.text); err == nil {
				rows = append(rows, &row{num: w.text, cy: w.cy(), lines: map[int][]pdfWord{}})
			}
		}
	}
	if len(rows) == 0 {
		return nil
	}
	for _, w := range body {
		c := colOf(w)
		if c <= 0 {
			continue
		}
		best := rows[0]
		for _, r := range rows {
			if abs(r.cy-w.cy()) < abs(best.cy-w.cy()) {
				best = r
			}
		}
		best.lines[c] = append(best.lines[c], w)
	}
	header := tableRow{}
	for _, c := range cols {
		header.cells = append(header.cells, c.name)
		header.srcs = append(header.srcs, Source{})
	}
	out := []tableRow{header}
	sort.Slice(rows, func(i, j int) bool { return rows[i].cy < rows[j].cy })
	for _, r := range rows {
		tr := tableRow{cells: make([]string, len(cols)), srcs: make([]Source, len(cols))}
		tr.cells[0] = r.num
		for c, ws := range r.lines {
			sort.Slice(ws, func(a, b int) bool {
				if abs(ws[a].y0-ws[b].y0) > 2 {
					return ws[a].y0 < ws[b].y0
				}
				return ws[a].x0 < ws[b].x0
			})
			var parts []string
			for _, w := range ws {
				parts = append(parts, w.text)
			}
			tr.cells[c] = strings.Join(parts, "")
			tr.srcs[c] = Source{Text: strings.Join(parts, " ")}
		}
		out = append(out, tr)
	}
	return out
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}
