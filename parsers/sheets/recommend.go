package sheets

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shoubao/shoubao/parsers/finding"
)

// Column names of the two recommendation list templates: 2026 (ten
// columns) and 2024 (序号 推荐活动 举办单位 推荐单位).
const (
	colSeq         = "序号"
	colName        = "活动名称"
	colActivity    = "推荐活动"
	colIntro       = "活动内容简介"
	colTime        = "举办时间"
	colPlace       = "举办地点"
	colUndertaker  = "承办单位"
	colHost        = "举办单位"
	colBase        = "依托基地"
	colRecommender = "推荐单位"
	colContact     = "联系人"
	colPhone       = "联系电话"
)

// optionalColumns may be left blank in a data row.
var optionalColumns = map[string]bool{colSeq: true, colBase: true}

// columnAliases maps folded header texts to the template's column names.
var columnAliases = map[string]string{
	"序号": colSeq, "编号": colSeq, "序": colSeq, "no": colSeq, "no.": colSeq,
	"活动名称": colName, "活动名": colName, "活动主题": colName, "特色活动名称": colName, "活动项目": colName,
	"推荐活动": colActivity, "推荐活动名称": colActivity,
	"活动内容简介": colIntro, "活动内容": colIntro, "内容简介": colIntro, "活动简介": colIntro, "主要内容": colIntro, "活动内容及简介": colIntro,
	"举办时间": colTime, "活动时间": colTime, "时间": colTime, "开展时间": colTime,
	"举办地点": colPlace, "活动地点": colPlace, "地点": colPlace, "开展地点": colPlace,
	"承办单位": colUndertaker,
	"举办单位": colHost, "主办单位": colHost, "组织单位": colHost,
	"依托基地": colBase, "依托科普基地": colBase, "依托单位": colBase,
	"推荐单位": colRecommender, "推荐部门": colRecommender,
	"联系人": colContact, "联系人姓名": colContact, "负责人": colContact,
	"联系电话": colPhone, "电话": colPhone, "联系方式": colPhone, "手机": colPhone, "手机号码": colPhone, "联系电话手机": colPhone,
}

// columnName returns the template column a header text names, or "".
func columnName(text string) string {
	f := dropBrackets(fold(text))
	f = strings.Trim(f, ":*")
	if c, ok := columnAliases[f]; ok {
		return c
	}
	if len([]rune(f)) > 12 {
		return ""
	}
	switch {
	case strings.Contains(f, "电话") || strings.Contains(f, "手机"):
		return colPhone
	case strings.Contains(f, "联系人"):
		return colContact
	case strings.Contains(f, "推荐单位"):
		return colRecommender
	case strings.Contains(f, "依托"):
		return colBase
	case strings.Contains(f, "承办"):
		return colUndertaker
	case strings.Contains(f, "简介") || strings.Contains(f, "内容"):
		return colIntro
	case strings.Contains(f, "活动名称"):
		return colName
	}
	return ""
}

// headerRow is a recognised header: column index → column name.
type headerRow struct {
	row   int
	cols  map[int]string
	names []string       // in column order
	roles int            // template columns recognised
	texts map[int]string // the header cells' texts, spaces removed
	order []headerText   // texts, as a list (built on first use)
}

// repeatedAt reports whether row r repeats the header, as printed tables
// do on each page: at least three of its cells are the header's texts.
func (h *headerRow) repeatedAt(g *grid, r int) bool {
	if h.order == nil {
		for c, t := range h.texts {
			h.order = append(h.order, headerText{c, t})
		}
	}
	same := 0
	for _, ht := range h.order {
		t, want := g.cell(r, ht.col), ht.text
		switch {
		case len(t) < len(want) || len(t) > 2*len(want)+16:
			// too short or too long to squeeze to the header's text
		case t == want:
			same++
		case len(t) > len(want) && mayHaveSpace(t) && squeeze(t) == want:
			same++
		}
	}
	return same >= 3 || same == len(h.cols)
}

// headerText is a header cell's text, spaces removed.
type headerText struct {
	col  int
	text string
}

// mayHaveSpace reports whether s may hold white space: an ASCII space or
// control, or the first byte of U+0085, U+00A0, U+1680, U+2000–U+205F or
// U+3000.
func mayHaveSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0xC2 || c == 0xE1 || c == 0xE2 || c == 0xE3 {
			return true
		}
	}
	return false
}

// findHeader returns the first row of g that names at least three
// template columns, one of them the activity's name.
func findHeader(g *grid) *headerRow {
	for r := range g.rows {
		if h := headerAt(g, r); h != nil {
			if two := subHeader(g, h); two != nil {
				return two
			}
			return h
		}
	}
	return nil
}

// subHeader reads a two-row header: a header cell merged across columns
// (联系人) over the names of its columns in the next row (姓名, 电话).
// It returns nil when the row below h is not such a row.
func subHeader(g *grid, h *headerRow) *headerRow {
	r, sub := h.row, h.row+1
	if sub >= len(g.rows) {
		return nil
	}
	// The columns each header cell spans.
	owner := map[int]int{} // column → the header cell's column spanning it
	spans := false
	for c := range h.cols {
		owner[c] = c
		for c2 := c + 1; c2 < g.width(r); c2++ {
			if o, ok := g.covered[cellRef{r, c2}]; !ok || o != (cellRef{r, c}) {
				break
			}
			owner[c2], spans = c, true
		}
	}
	if !spans {
		return nil
	}
	subTexts := map[int]string{}
	for c := range g.width(sub) {
		if g.isCovered(sub, c) {
			continue
		}
		t := cleanCell(g.cell(sub, c))
		if t == "" {
			continue
		}
		o, ok := owner[c]
		if !ok || o == c && !g.isCovered(sub, c) && !hasSpan(owner, c) {
			return nil // a cell under an unmerged header cell: a data row
		}
		if _, isNum := parseValue(t, ""); isNum || len([]rune(t)) > 12 {
			return nil
		}
		subTexts[c] = t
	}
	if len(subTexts) == 0 {
		return nil
	}
	two := &headerRow{row: sub, cols: map[int]string{}, texts: map[int]string{}}
	seen := map[string]bool{}
	named := false
	for c := range max(g.width(r), g.width(sub)) {
		o, ok := owner[c]
		if !ok {
			continue
		}
		parent := squeeze(cleanCell(g.cell(r, o)))
		t, hasSub := subTexts[c]
		var name, text string
		switch {
		case hasSub:
			text = squeeze(t)
			name = columnName(parent + text)
			if name == "" {
				name = columnName(text)
			}
		case c == o:
			name, text = h.cols[c], h.texts[c]
		default:
			continue
		}
		if name == "" || seen[name] {
			name = parent + text
			if seen[name] {
				name = fmt.Sprintf("%s(%d)", name, c+1)
			}
		} else if templateColumns[name] {
			two.roles++
			named = named || name == colName || name == colActivity
		}
		seen[name] = true
		two.cols[c] = name
		two.texts[c] = text
		two.names = append(two.names, name)
	}
	if two.roles < 3 || !named {
		return nil
	}
	return two
}

// hasSpan reports whether the header cell at column c spans others.
func hasSpan(owner map[int]int, c int) bool {
	for c2, o := range owner {
		if o == c && c2 != c {
			return true
		}
	}
	return false
}

// maxHeaderCols bounds the columns of a list's header.
const maxHeaderCols = 64

func headerAt(g *grid, r int) *headerRow {
	w := min(g.width(r), maxHeaderCols)
	if w < 3 {
		return nil
	}
	if !mayBeHeader(g, r, w) {
		return nil
	}
	h := &headerRow{row: r, cols: map[int]string{}, texts: map[int]string{}}
	seen := map[string]bool{}
	named := false
	for c := range w {
		if g.isCovered(r, c) {
			continue
		}
		t := cleanCell(g.cell(r, c))
		if t == "" {
			continue
		}
		name := columnName(t)
		if name == "" || seen[name] {
			// An extra column, kept under its own (cleaned) name.
			name = strings.Join(strings.Fields(t), "")
			if seen[name] {
				name = fmt.Sprintf("%s(%d)", name, c+1)
			}
		} else {
			h.roles++
			named = named || name == colName || name == colActivity
		}
		seen[name] = true
		h.cols[c] = name
		h.texts[c] = strings.Join(strings.Fields(t), "")
		h.names = append(h.names, name)
	}
	if h.roles < 3 || !named {
		return nil
	}
	return h
}

// mayBeHeader reports whether the first w cells of row r name at least
// three template columns, one of them the activity's name: what headerAt
// requires, checked without building the header. (headerAt counts a
// column name once, and a cell's text kept as an extra column's name is
// never a template column's name not seen before: such a text would name
// that column.)
func mayBeHeader(g *grid, r, w int) bool {
	var names [maxHeaderCols]string
	roles, named := 0, false
	for c := range w {
		if g.isCovered(r, c) {
			continue
		}
		t := cleanCell(g.cell(r, c))
		if t == "" {
			continue
		}
		name := columnName(t)
		if name == "" || slices.Contains(names[:roles], name) {
			continue
		}
		names[roles] = name
		roles++
		named = named || name == colName || name == colActivity
	}
	return roles >= 3 && named
}

// recommendRead is the recommendation list read from one grid.
type recommendRead struct {
	rec *Recommend
	fl  finding.List
}

// readRecommend reads the recommendation list of g, or returns nil when g
// has no recommendation header.
func readRecommend(g *grid) *recommendRead {
	h := findHeader(g)
	if h == nil {
		return nil
	}
	res := &recommendRead{rec: &Recommend{Columns: h.names, Rows: []map[string]string{}}}
	type column struct {
		col  int
		name string
	}
	cols := make([]column, 0, len(h.cols))
	for c, name := range h.cols {
		cols = append(cols, column{c, name})
	}
	slices.SortFunc(cols, func(a, b column) int { return a.col - b.col })
	// Rows are let go of once read, but for those a merged area starts
	// in (later rows show their text): a long list is not held twice,
	// as cells and as rows of the result.
	origins := map[int]bool{}
	for _, o := range g.covered {
		origins[o.row] = true
	}
	texts := make([]string, len(cols))
	for r := h.row + 1; r < len(g.rows); r++ {
		if r > h.row+1 && !origins[r-1] {
			g.rows[r-1] = nil
		}
		if h.repeatedAt(g, r) {
			continue // the header repeated on a new printed page
		}
		filled, n := 0, 0 // cells typed in this row (not only shown by a merge), cells shown
		for i, c := range cols {
			t := cleanCell(g.label(r, c.col))
			texts[i] = t
			if t == "" {
				continue
			}
			n++
			if c.name != colSeq && !g.isCovered(r, c.col) {
				filled++
			}
		}
		if filled == 0 || filled <= 2 && isTitleOrNote(g, r, originCells(g, r)) {
			continue
		}
		row := make(map[string]string, n)
		for i, c := range cols {
			if texts[i] != "" {
				row[c.name] = texts[i]
			}
		}
		num := len(res.rec.Rows) + 1
		where := func() string { return fmt.Sprintf("推荐表第 %d 条（%s第 %d 行）", num, sheetLabel(g), r+1) }
		var missing []string
		for _, name := range h.names {
			if _, known := templateColumns[name]; !known || optionalColumns[name] {
				continue
			}
			if row[name] == "" {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			res.fl.Add("recommend_missing_value", "%s缺少“%s”", where(), strings.Join(missing, "”“"))
		}
		if t, ok := row[colTime]; ok {
			row[colTime] = serialDate(t)
		}
		if p := row[colPhone]; p != "" {
			row[colPhone] = plainNumber(p)
			if why := checkPhones(row[colPhone]); why != "" {
				res.fl.Add("recommend_phone_invalid", "%s的联系电话“%s”%s", where(), row[colPhone], why)
			}
		}
		res.rec.Rows = append(res.rec.Rows, row)
	}
	if len(res.rec.Rows) == 0 {
		res.fl.Add("recommend_empty", "推荐表只有表头，没有填写活动")
	}
	return res
}

// templateColumns is the set of template column names.
var templateColumns = func() map[string]bool {
	m := map[string]bool{}
	for _, v := range columnAliases {
		m[v] = true
	}
	return m
}()

func sheetLabel(g *grid) string {
	if strings.HasPrefix(g.name, "表格") {
		return "Word " + g.name + " "
	}
	return "工作表“" + g.name + "”"
}

// originCells counts the non-empty cells of row r that are not covered by
// a merge: a note merged across the whole row counts once.
func originCells(g *grid, r int) int {
	n := 0
	if r >= 0 && r < len(g.rows) {
		for c, t := range g.rows[r] {
			if strings.TrimSpace(t) != "" && !g.isCovered(r, c) {
				n++
			}
		}
	}
	return n
}

// isTitleOrNote reports rows inside the list that are not activities: a
// note ("注：…", "填表人：…"), or a title line repeated on a new page.
func isTitleOrNote(g *grid, r, filled int) bool {
	if filled > 2 {
		return false
	}
	var first string
	for c := range g.width(r) {
		if t := cleanCell(g.label(r, c)); t != "" {
			first = t
			break
		}
	}
	f := fold(first)
	for _, p := range notePrefixes {
		if strings.HasPrefix(f, p) {
			return true
		}
	}
	return strings.Contains(f, "推荐表") || strings.Contains(f, "推荐清单") || strings.Contains(f, "一览表")
}

// plainNumber turns a number stored as a cell value ("13835675002",
// "1.3835675002e+10") back into its digits.
func plainNumber(s string) string {
	if strings.ContainsAny(s, "eE.") {
		if v, err := strconv.ParseFloat(s, 64); err == nil && v == math.Trunc(v) && v > 0 && v < 1e15 {
			return strconv.FormatFloat(v, 'f', 0, 64)
		}
	}
	return s
}

// serialDate turns a spreadsheet date serial (a date cell read as its
// number) into "2006-01-02"; other texts are returned as they are.
func serialDate(s string) string {
	if !plainFloat(s) {
		return s
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 30000 || v > 80000 {
		return s
	}
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	return epoch.Add(time.Duration(math.Round(v*86400)) * time.Second).Format("2006-01-02")
}

var (
	phoneSplit = regexp.MustCompile(`[/、,，;；\n]+|\s{2,}|或`)
	phoneJunk  = strings.NewReplacer("-", "", "－", "", "—", "", "–", "", " ", "", "　", "", "(", "", ")", "", "（", "", "）", "")
	mobile     = regexp.MustCompile(`^1[3-9]\d{9}$`)
	landline   = regexp.MustCompile(`^0\d{9,11}$`)
	service    = regexp.MustCompile(`^[48]00\d{7}$`)
	extension  = regexp.MustCompile(`(转|分机|ext\.?)\d{1,6}$`)
	noAreaCode = regexp.MustCompile(`^\d{7,8}$`)
	lostZero   = regexp.MustCompile(`^[1-9]\d{9,10}$`)
)

// checkPhones validates the numbers in a phone cell (mobile numbers, and
// landlines with their area code); it returns "" when all are valid, else
// why not, in Chinese.
func checkPhones(s string) string {
	if isMobile(s) {
		return "" // the common case, without the regular expressions
	}
	for _, part := range phoneSplit.Split(s, -1) {
		p := fold(part)
		p = strings.TrimPrefix(p, "+86")
		p = strings.TrimPrefix(p, "86-")
		for _, label := range []string{"手机:", "电话:", "座机:", "办公:", "手机", "电话", "座机"} {
			p = strings.TrimPrefix(p, label)
		}
		p = extension.ReplaceAllString(p, "")
		p = phoneJunk.Replace(p)
		if p == "" {
			continue
		}
		switch {
		case mobile.MatchString(p), landline.MatchString(p), service.MatchString(p):
		case noAreaCode.MatchString(p):
			return "缺少区号"
		case lostZero.MatchString(p):
			return "不是有效号码（如是座机，可能丢失了区号前的 0）"
		default:
			return "不是有效的手机或座机号码"
		}
	}
	return ""
}

// isMobile reports whether s is exactly one mobile number, 1[3-9] and
// nine more digits.
func isMobile(s string) bool {
	if len(s) != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9' {
		return false
	}
	for i := 2; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
