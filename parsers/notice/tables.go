package notice

import (
	"strings"
	"unicode/utf8"
)

// Columns of the notices' tables that name units.
const (
	ColumnRecommender = "推荐单位"
)

// otherUnitColumns name units that run an activity: less likely to be the
// reporting units, kept apart.
var otherUnitColumns = []string{"承办单位", "举办单位", "主办单位", "申报单位"}

// maxUnits caps the roster read from the tables.
const maxUnits = 2000

// textTables cuts the notice's table rows (lines of tab-separated cells)
// into tables: a row holding 序号 or 推荐单位 is a header and starts a
// table; prose (but not a blank line) ends one.
func (p *parser) textTables() [][]tableRow {
	var out [][]tableRow
	open := false
	for _, l := range p.d.lines {
		if !l.table {
			if t := strings.TrimSpace(l.text); t != "" && utf8.RuneCountInString(t) > 8 {
				open = false
			}
			continue
		}
		cells := strings.Split(l.text, "\t")
		raws := strings.Split(l.raw, "\t")
		row := tableRow{}
		for k := range cells {
			row.cells = append(row.cells, strings.ReplaceAll(strings.TrimSpace(cells[k]), " ", ""))
			src := Source{Line: l.no}
			if len(raws) == len(cells) {
				src.Text = cleanQuote(raws[k])
			}
			row.srcs = append(row.srcs, src)
		}
		if isHeaderRow(row.cells) {
			out = append(out, []tableRow{row})
			open = true
			continue
		}
		if open {
			out[len(out)-1] = append(out[len(out)-1], row)
		}
	}
	return out
}

// units reads the unit names in the tables' 推荐单位 (and 承办/举办单位)
// columns.
func (p *parser) units() {
	rowsSkipped := 0
	for _, t := range append(p.textTables(), p.extraTables...) {
		header := t[0].cells
		for _, r := range t[1:] {
			if len(r.cells) != len(header) {
				rowsSkipped++
				continue
			}
			for k, col := range header {
				src := r.srcs[k]
				if src.Text == "" {
					src.Text = r.cells[k]
				}
				switch {
				case col == ColumnRecommender:
					p.n.Units = p.addUnits(p.n.Units, r.cells[k], col, r.cells[0], src)
				case contains(otherUnitColumns, col):
					p.n.OtherUnits = p.addUnits(p.n.OtherUnits, r.cells[k], col, r.cells[0], src)
				}
			}
		}
	}
	if rowsSkipped > 0 {
		p.fs.Add("notice_table_rows_skipped", "通知表格中有 %d 行的列数与表头不符，未从中读取单位", rowsSkipped)
	}
	for _, list := range [][]Unit{p.n.Units, p.n.OtherUnits} {
		for k := range list {
			for _, o := range p.n.Offices {
				if aliasKey(o.Value) == aliasKey(list[k].Name) {
					list[k].Issuer = true
				}
			}
		}
	}
}

func isHeaderRow(cells []string) bool {
	for _, c := range cells {
		if c == "序号" || c == ColumnRecommender || contains(otherUnitColumns, c) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// aliasKey reduces a unit name to what its spellings share:
// 陵川县发展改革和科技局 and 陵川县发展和改革局和科技局 both give
// 陵川县发展改革科技.
func aliasKey(name string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune("和与及的局", r) {
			return -1
		}
		return r
	}, name)
}

// addUnits adds the units named in one cell (several may be separated by
// 、) to list.
func (p *parser) addUnits(list []Unit, cell, col, row string, src Source) []Unit {
	for _, name := range strings.FieldsFunc(cell, func(r rune) bool { return r == '、' || r == ',' || r == ';' }) {
		name = strings.TrimSuffix(strings.TrimSpace(name), "等")
		if len([]rune(name)) < 2 || name == "无" || name == "/" || len(list) >= maxUnits {
			continue
		}
		found := false
		for k := range list {
			u := &list[k]
			if aliasKey(u.Name) != aliasKey(name) {
				continue
			}
			found = true
			if u.Name != name && !contains(u.Aliases, name) {
				u.Aliases = append(u.Aliases, name)
			}
			if !contains(u.Rows, row) {
				u.Rows = append(u.Rows, row)
			}
		}
		if !found {
			list = append(list, Unit{Name: name, Column: col, Rows: []string{row}, Source: src})
		}
	}
	return list
}
