package sheets

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/shoubao/shoubao/parsers/finding"
)

// minStatsFields is how many template fields a grid must name to be taken
// for a statistics table.
const minStatsFields = 4

// A statistics table starts within maxStatsLead rows of its sheet's top and
// has no gap of more than maxStatsTrail rows between fields.
const (
	maxStatsLead  = 200
	maxStatsTrail = 50
)

// statsRead is the statistics table read from one grid.
type statsRead struct {
	stats   *Stats
	matched int // template fields found
	filled  int // of which holding a value
	fl      finding.List
}

// carry is a group label that continues into the rows below it (a merged
// cell, or an unmerged layout leaving the column blank).
type carry struct {
	group int
	col   int
}

// readStats reads the statistics table of g.
func readStats(g *grid, m *matcher) *statsRead {
	st := &Stats{Fields: map[string]Value{}, UnknownRows: []string{}}
	res := &statsRead{stats: st}
	found := make([]bool, len(templateFields))
	var unknown []unknownRow
	first, last := -1, -1
	cur := carry{group: -1}
	var hdr *valueHeader
	unitSeen := false
	qs := m.queries()

	for r := range g.rows {
		// A statistics table is short: give up on a long sheet that names
		// no field early on, and stop well after the last field.
		if first < 0 && r >= maxStatsLead || first >= 0 && r > last+maxStatsTrail {
			break
		}
		cells := rowCells(g, r)
		if len(cells) == 0 {
			continue
		}
		if !unitSeen {
			if u, ok := unitFromRow(cells); ok {
				st.Unit, unitSeen = u, true
				continue
			}
		}
		if first < 0 {
			if h := headerOf(g, r, cells); h != nil {
				hdr = h
				continue
			}
		}
		group, groupCol := -1, -1
		for _, c := range cells {
			if c.isValue {
				continue
			}
			if gi, gs := qs.bestGroup(c.key); gi >= 0 {
				if _, fs := qs.bestField(c.key, -1); fs < gs {
					group, groupCol = gi, c.col
				}
				break
			}
		}
		carried := false
		if group < 0 && cur.group >= 0 && leftBlank(cells, cur.col) {
			group, groupCol, carried = cur.group, cur.col, true
		}
		// The field label: the best-scoring label cell right of the group.
		fi, fcol, fscore := -1, -1, 0.0
		groupKey := ""
		if groupCol >= 0 {
			groupKey = labelKey(g.label(r, groupCol))
		}
		bestIn := func(scope int) {
			for _, c := range cells {
				if c.isValue || c.col <= groupCol || (groupCol >= 0 && c.key == groupKey) {
					continue
				}
				if i, s := qs.bestField(c.key, scope); i >= 0 && s > fscore {
					fi, fcol, fscore = i, c.col, s
				}
			}
		}
		if group >= 0 {
			bestIn(group)
		} else {
			bestIn(-1)
		}
		if fi < 0 && carried {
			// A top-level row right after a group's sub-rows, its label
			// in the sub-labels' column: the group ends here.
			bestIn(-2)
			if fi >= 0 {
				group = -1
			}
		}
		if group >= 0 {
			cur = carry{group: group, col: groupCol}
		} else {
			cur = carry{group: -1}
		}
		if fi < 0 {
			groupOnly := group >= 0 && onlyLabel(cells, groupCol)
			if groupOnly && !hasValueAfter(g, r, cells) {
				continue // a group's own row above its sub-rows
			}
			if hasLabel(cells) && !isNote(cells) {
				unknown = append(unknown, unknownRow{row: r, text: labelsOf(cells), hasValue: hasValueAfter(g, r, cells)})
			}
			continue
		}
		if first < 0 {
			first = r
		}
		last = r
		f := templateFields[fi]
		raw, formula, isFormula := valueOf(g, r, fcol, groupCol, hdr, qs)
		if found[fi] {
			if prev := st.Fields[f.Label]; prev.Raw != "" || raw == "" {
				if raw != "" && raw != prev.Raw {
					res.fl.Add("stats_field_duplicate", "统计表中“%s”出现了不止一次，已取第一处的值（%s）", f.Label, prev.Raw)
				}
				continue
			}
		}
		found[fi] = true
		if isFormula {
			res.fl.Add("stats_formula_no_value", "统计表“%s”的值是公式（%s），但文件中没有保存计算结果（WPS 或程序生成的文件常见），无法读取；请在 Excel 或 WPS 中打开后重新保存，或人工核查", f.Label, formula)
			st.Fields[f.Label] = Value{Raw: formula}
			continue
		}
		v, ok := parseValue(raw, f.Unit)
		if !ok {
			res.fl.Add("stats_value_unreadable", "统计表“%s”的值“%s”无法识别为数字", f.Label, raw)
		}
		st.Fields[f.Label] = Value{Value: v, Raw: raw}
	}

	for i := range found {
		if found[i] {
			res.matched++
			if v := st.Fields[templateFields[i].Label]; v.Value != nil {
				res.filled++
			}
		}
	}
	for _, u := range unknown {
		if first >= 0 && (u.row > first && u.row < last || u.row > last && u.row <= last+3 && u.hasValue) {
			st.UnknownRows = append(st.UnknownRows, u.text)
		}
	}
	if res.matched < minStatsFields {
		return res
	}
	var missing []string
	for i, f := range templateFields {
		if !found[i] {
			missing = append(missing, f.Label)
		}
	}
	if len(missing) > 0 {
		res.fl.Add("stats_field_missing", "统计表缺少以下项目：%s", strings.Join(missing, "、"))
	}
	if st.Unit == "" {
		if unitSeen {
			res.fl.Add("stats_unit_missing", "统计表的“部门/地方（盖章）”一栏是空的，未填写单位名称")
		} else {
			res.fl.Add("stats_unit_missing", "统计表未填写“部门/地方（盖章）”")
		}
	}
	if res.filled == 0 {
		res.fl.Add("stats_empty", "统计表各项均未填写数字")
	}
	return res
}

// valueWords name the value column in a statistics table's header row.
var valueWords = map[string]bool{
	"数量": true, "数值": true, "数据": true, "数": true, "值": true, "填报数": true, "填报数量": true,
	"填报数据": true, "填报值": true, "填报内容": true, "统计数": true, "统计数据": true, "统计数量": true,
	"完成数": true, "完成情况": true, "实际完成": true, "合计": true, "总计": true, "本年": true, "本年度": true,
	"开展情况": true, "情况": true, "数目": true, "人数": true, "次数": true, "金额": true,
}

// valueHeader is a header row above a statistics table: the column of
// the values, and the columns named for something else (单位, 备注,
// 上年…), whose cells are never taken for a value.
type valueHeader struct {
	col    int
	others map[int]bool
}

// headerOf reads row r as a statistics header row: one cell names the
// value column, the others (if any) are short names, none a number.
func headerOf(g *grid, r int, cells []rowCell) *valueHeader {
	if len(cells) < 2 {
		return nil
	}
	h := &valueHeader{col: -1, others: map[int]bool{}}
	rank := 0 // 2: names this year's figures (填报, 本年); 1: a plain value word
	for _, c := range cells {
		if g.isCovered(r, c.col) {
			continue
		}
		k := dropBrackets(fold(c.text))
		switch {
		case c.isValue && k != "" && !hasHan(k):
			return nil // a number: a data row
		case len([]rune(k)) > 8:
			return nil // a label, not a column name
		}
		h.others[c.col] = true
		kr := 0
		switch {
		case strings.Contains(k, "填报") || strings.Contains(k, "本年") || strings.Contains(k, "本次"):
			kr = 2
		case valueWords[k]:
			kr = 1
		}
		if kr > rank {
			rank, h.col = kr, c.col
		}
	}
	if h.col < 0 {
		return nil
	}
	delete(h.others, h.col)
	return h
}

// valueOf returns the value of the field labelled at (r, col): the cell in
// the header's value column, else the first filled cell right of the
// label (at most three columns away, or as far as the header's value
// column and two more), skipping cells covered by a merge and the columns
// the header names for something else. A formula saved without its
// result is returned as such (isFormula), never passed over for a
// neighbour's value; so is a blank value cell followed by another
// field's label.
func valueOf(g *grid, r, col, groupCol int, hdr *valueHeader, qs *queries) (raw, formula string, isFormula bool) {
	label := cleanCell(g.label(r, col))
	at := func(c int) (string, string, bool, bool) { // raw, formula, isFormula, done
		if f, ok := g.formulaAt(r, c); ok {
			return "", formulaText(f), true, true
		}
		if g.isCovered(r, c) {
			return "", "", false, false
		}
		t := cleanCell(g.cell(r, c))
		if t == "" || t == label {
			return "", "", false, false
		}
		if _, isNum := parseValue(t, ""); !isNum && hasHan(t) {
			if i, _ := qs.bestField(labelKey(t), -1); i >= 0 {
				return "", "", false, true // the next field's label: this one is blank
			}
		}
		return t, "", false, true
	}
	maxRight := 3
	if hdr != nil && hdr.col != col && hdr.col != groupCol {
		if t, f, isF, done := at(hdr.col); done {
			return t, f, isF
		}
		if hdr.col < col {
			return "", "", false // values left of the labels: this one is blank
		}
		maxRight = max(maxRight, hdr.col-col+2)
	}
	for c := col + 1; c <= col+maxRight && c < g.width(r)+1; c++ {
		if hdr != nil && hdr.others[c] {
			continue
		}
		if t, f, isF, done := at(c); done {
			return t, f, isF
		}
	}
	return "", "", false
}

// formulaText writes a formula for a message: "=SUM(C12:C15)", from the
// file's form ("SUM(C12:C15)" in .xlsx, "of:=SUM([.C12:.C15])" in .ods).
func formulaText(f string) string {
	f = strings.TrimPrefix(f, "of:")
	f = strings.TrimPrefix(f, "msoxl:")
	f = strings.TrimPrefix(f, "=")
	if f == "" {
		return "公式"
	}
	return "=" + f
}

type unknownRow struct {
	row      int
	text     string
	hasValue bool
}

// rowCell is one non-empty cell of a row, as a label sees it.
type rowCell struct {
	col     int
	text    string
	key     string
	isValue bool // reads as a number or as "not filled"
}

// maxRowCells bounds the cells of a row looked at as labels: a statistics
// table has a handful per row, and matching labels is the costly part of
// reading a sheet made to be large.
const maxRowCells = 32

func rowCells(g *grid, r int) []rowCell {
	var out []rowCell
	w := g.width(r)
	for c := 0; c < w && len(out) < maxRowCells; c++ {
		t := cleanCell(g.label(r, c))
		if t == "" {
			continue
		}
		_, isValue := parseValue(t, "")
		key := labelKey(t)
		if key == "" || !hasHan(key) {
			isValue = true
		}
		out = append(out, rowCell{col: c, text: t, key: key, isValue: isValue})
	}
	return out
}

// leftBlank reports whether the row has nothing at or left of col and a
// label right of it: a sub-row under a group label above.
func leftBlank(cells []rowCell, col int) bool {
	for _, c := range cells {
		if c.col <= col {
			return false
		}
	}
	return hasLabel(cells)
}

// onlyLabel reports whether the row's only label is the one at col
// (repeated across a merged area).
func onlyLabel(cells []rowCell, col int) bool {
	key := ""
	for _, c := range cells {
		if c.col == col {
			key = c.key
		}
	}
	for _, c := range cells {
		if !c.isValue && c.key != key {
			return false
		}
	}
	return key != ""
}

func hasLabel(cells []rowCell) bool {
	for _, c := range cells {
		if !c.isValue {
			return true
		}
	}
	return false
}

// labelsOf joins the label texts of a row with " / ", dropping repeats
// (a merged label shows in every cell it covers).
func labelsOf(cells []rowCell) string {
	var parts []string
	for _, c := range cells {
		t := strings.Join(strings.Fields(c.text), "")
		if c.isValue || (len(parts) > 0 && parts[len(parts)-1] == t) {
			continue
		}
		parts = append(parts, t)
	}
	return strings.Join(parts, " / ")
}

// hasValueAfter reports whether a row holds a value cell after its last
// label.
func hasValueAfter(g *grid, r int, cells []rowCell) bool {
	lastLabel := -1
	for _, c := range cells {
		if !c.isValue {
			lastLabel = c.col
		}
	}
	for _, c := range cells {
		if c.col > lastLabel && !g.isCovered(r, c.col) {
			return true
		}
	}
	return false
}

// notePrefixes start lines that are not table rows: notes and signatures.
var notePrefixes = []string{"注", "备注", "说明", "填表", "填报人", "审核", "联系人", "联系电话", "负责人", "单位负责人", "制表", "日期", "附件"}

func isNote(cells []rowCell) bool {
	f := fold(cells[0].text)
	for _, p := range notePrefixes {
		if strings.HasPrefix(f, p) {
			return true
		}
	}
	return strings.Contains(f, "统计表") || strings.Contains(f, "推荐表") || strings.Contains(f, "推荐清单")
}

// unitLine matches the reporting unit line: "部门/地方（盖章）：…",
// "填报单位：…" and the like, after fold.
var unitLine = regexp.MustCompile(`^(?:部门/地方|部门|地方|填报单位|报送单位|单位名称|单位)[^:]{0,8}:(.*)$`)

// unitPrefix reports whether f starts as unitLine requires, with a
// colon after: a cheap test before the regular expression.
func unitPrefix(f string) bool {
	if !strings.Contains(f, ":") {
		return false
	}
	for _, p := range []string{"部门", "地方", "填报单位", "报送单位", "单位"} {
		if strings.HasPrefix(f, p) {
			return true
		}
	}
	return false
}

// unitFromRow finds the reporting unit in a row; ok is true when the row
// is the unit line even if the unit was left blank.
func unitFromRow(cells []rowCell) (string, bool) {
	for i, c := range cells {
		f := fold(c.text)
		if strings.Contains(f, "\n") {
			f = strings.ReplaceAll(f, "\n", "")
		}
		if !unitPrefix(f) {
			continue // unitLine cannot match
		}
		m := unitLine.FindStringSubmatch(f)
		if m == nil || !(strings.Contains(f, "盖章") || strings.HasPrefix(f, "填报") || strings.HasPrefix(f, "报送") || strings.HasPrefix(f, "部门")) {
			continue
		}
		// Keep the unit as typed: take the text after the first colon of
		// the original cell.
		u := afterColon(c.text)
		u = cutAt(u, "填表日期", "填报日期", "日期", "时间：", "时间:", "填表人", "联系人", "（盖章）", "(盖章)")
		u = strings.Trim(strings.TrimSpace(u), "：:　 ")
		if u == "" {
			// The unit typed in the next cell: not the label itself
			// (shown again by a merged cell), nor another label.
			for _, n := range cells[i+1:] {
				t := strings.TrimSpace(n.text)
				if t == "" || t == strings.TrimSpace(c.text) || strings.ContainsAny(t, ":：") || strings.Contains(t, "盖章") {
					continue
				}
				if strings.Contains(fold(t), "日期") || strings.HasPrefix(fold(t), "填表") || strings.HasPrefix(fold(t), "联系") {
					break
				}
				u = t
				break
			}
		}
		return u, true
	}
	return "", false
}

// unitOf finds the reporting unit line in the first rows of g.
func unitOf(g *grid) string {
	for r := range min(len(g.rows), maxStatsLead) {
		if u, ok := unitFromRow(rowCells(g, r)); ok {
			return u
		}
	}
	return ""
}

func afterColon(s string) string {
	i := strings.IndexAny(s, ":：")
	if i < 0 {
		return ""
	}
	_, size := utf8.DecodeRuneInString(s[i:])
	return s[i+size:]
}

// cutAt cuts s before the first of the markers.
func cutAt(s string, markers ...string) string {
	for _, m := range markers {
		if i := strings.Index(s, m); i >= 0 {
			s = s[:i]
		}
	}
	// A long run of spaces separates the unit from what follows.
	if i := strings.Index(s, "   "); i > 0 {
		s = s[:i]
	}
	return s
}
