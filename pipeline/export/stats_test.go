package export

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/shoubao/shoubao/parsers/sheets"
	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/rules"
)

// writeFile writes an export into dir and returns its path.
func writeFile(t *testing.T, dir, name string, write func(f *os.File) error) string {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := write(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestClassify(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, tc := range []struct {
		raw  string
		v    *float64
		unit string
		want valueClass
	}{
		{"12", f(12), "次", valuePlain},
		{" 1,200 ", f(1200), "万元", valuePlain},
		{"０.５", f(0.5), "万元", valuePlain},
		{"0", f(0), "个", valuePlain},
		{"3万", f(30000), "人次", valueConverted},
		{"3万", f(3), "万元", valueConverted},
		{"十二", f(12), "次", valueConverted},
		{"12篇", f(12), "个", valueConverted},
		{"约500", f(500), "人次", valueEstimate},
		{"500余", f(500), "人次", valueEstimate},
		{"2000多", f(2000), "人次", valueEstimate},
		{"", nil, "次", valueNone},
		{"无", nil, "次", valueNone},
		{"/", nil, "次", valueNone},
		{"若干", nil, "个", valueUnreadable},
		{"见附件", nil, "万元", valueUnreadable},
	} {
		if got := classify(sheets.Value{Value: tc.v, Raw: tc.raw}, tc.unit); got != tc.want {
			t.Errorf("classify(%q in %s) = %d, want %d", tc.raw, tc.unit, got, tc.want)
		}
	}
}

// expectedCell is what the 分单位统计 sheet must show for a unit's field:
// the stored value, the raw text when it is not a number, blank when not
// filled; a unit without a table has 未报送 in its first row.
func expectedCell(s *sheets.Stats, f sheets.Field, first bool) string {
	if s == nil {
		if first {
			return "未报送"
		}
		return ""
	}
	v := s.Fields[f.Label]
	if v.Value != nil {
		return number(*v.Value)
	}
	if _, filled := sheets.ReadValue(v.Raw, f.Unit); !filled {
		return strings.TrimSpace(v.Raw)
	}
	return ""
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// checkByUnit checks the 分单位统计 sheet's rows (as a reader gives them)
// against the oracle: every unit's cell is its stored value, and 合计 is
// the sum of the unit columns in every row.
func checkByUnit(t *testing.T, who string, rows [][]string, o *oracle) {
	t.Helper()
	units := o.state.Units
	totalCol := 3 + len(units)
	for k, u := range units {
		if got := cellAt(rows, 3, 3+k); got != u.Name {
			t.Errorf("%s: header of column %d is %q, want %q", who, 3+k, got, u.Name)
		}
	}
	if got := cellAt(rows, 3, totalCol); got != "合计" {
		t.Errorf("%s: last header %q", who, got)
	}
	var tables []*sheets.Stats
	for _, u := range units {
		if o.stats[u.Name] != nil {
			tables = append(tables, o.stats[u.Name])
		}
	}
	merged := sheets.MergeStats(tables)
	for i, f := range sheets.StatsFields() {
		r := byUnitFirstRow + i
		label := cellAt(rows, r, 2)
		if f.Group == "" {
			label = cellAt(rows, r, 1)
		}
		if !strings.HasPrefix(label, f.Label) {
			t.Errorf("%s: row %d label %q, want %q", who, r, label, f.Label)
		}
		sum, any := 0.0, false
		for k, u := range units {
			got, want := cellAt(rows, r, 3+k), expectedCell(o.stats[u.Name], f, i == 0)
			if gv, err1 := strconv.ParseFloat(got, 64); err1 == nil {
				wv, err2 := strconv.ParseFloat(want, 64)
				if err2 != nil || !near(gv, wv) {
					t.Errorf("%s: %s %s = %q, want %q", who, u.Name, f.Label, got, want)
				}
				sum, any = sum+gv, true
			} else if got != want {
				t.Errorf("%s: %s %s = %q, want %q", who, u.Name, f.Label, got, want)
			}
		}
		total := cellAt(rows, r, totalCol)
		if !any {
			if total != "" {
				t.Errorf("%s: %s: 合计 %q where no unit has a value", who, f.Label, total)
			}
			continue
		}
		tv, err := strconv.ParseFloat(total, 64)
		if err != nil || !near(tv, sum) {
			t.Errorf("%s: %s: 合计 %q, sum of the unit columns %v", who, f.Label, total, sum)
		}
		if m := merged.Fields[f.Label].Value; m == nil || !near(*m, tv) {
			t.Errorf("%s: %s: 合计 %q, sheets.MergeStats of the stored tables %v", who, f.Label, total, m)
		}
	}
}

// TestStatsExport writes the 统计汇总表 of the fixture and reads it back
// with excelize, with LibreOffice (the stored results, and every formula
// recalculated) and with shoubao's own table reader, as the next level up
// would.
func TestStatsExport(t *testing.T) {
	fx := newFixture(t)
	c, o := fx.load(t), fx.oracle(t)
	// The oracle and the export agree on which table is each unit's.
	for _, u := range c.Units {
		if (u.Stats == nil) != (o.stats[u.State.Name] == nil) {
			t.Fatalf("%s: export and oracle disagree on having a table", u.State.Name)
		}
	}
	path := writeFile(t, t.TempDir(), "统计汇总表.xlsx", func(f *os.File) error { return WriteStats(f, c) })

	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); strings.Join(got, ",") != SheetUpward+","+SheetByUnit+","+SheetSources {
		t.Fatalf("sheets %v", got)
	}
	rows, err := f.GetRows(SheetByUnit, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	checkByUnit(t, "excelize", rows, o)

	// The values to check: fill and a comment naming the file and the
	// raw text.
	comments, err := f.GetComments(SheetByUnit)
	if err != nil {
		t.Fatal(err)
	}
	commentAt := map[string]string{}
	for _, cm := range comments {
		text := cm.Text
		for _, p := range cm.Paragraph {
			text += p.Text
		}
		commentAt[cm.Cell] = text
	}
	gaoping := 3 // first unit column
	for i, fl := range sheets.StatsFields() {
		ref := cell(gaoping, byUnitFirstRow+i)
		v := o.stats["高平市发展改革和科技局"].Fields[fl.Label]
		cls := classify(v, fl.Unit)
		style, _ := f.GetCellStyle(SheetByUnit, ref)
		st, _ := f.GetStyle(style)
		fill := ""
		if st != nil && len(st.Fill.Color) > 0 {
			fill = strings.ToUpper(strings.TrimPrefix(st.Fill.Color[0], "#"))
		}
		switch cls {
		case valueUnreadable, valueEstimate:
			want := map[valueClass]string{valueUnreadable: colorUnreadable, valueEstimate: colorEstimate}[cls]
			if fill != want {
				t.Errorf("%s (%q): fill %q, want %q", ref, v.Raw, fill, want)
			}
			if cm := commentAt[ref]; !strings.Contains(cm, v.Raw) || !strings.Contains(cm, "（高平）.xlsx") {
				t.Errorf("%s (%q): comment %q lacks the raw text or the file", ref, v.Raw, cm)
			}
		case valuePlain, valueNone:
			if fill != "" || commentAt[ref] != "" {
				t.Errorf("%s (%q): fill %q, comment %q on a plain value", ref, v.Raw, fill, commentAt[ref])
			}
		}
	}
	if len(comments) == 0 {
		t.Error("no comments")
	}

	// LibreOffice, as stored and recalculated.
	for _, recalc := range []bool{false, true} {
		lo := libreOffice(t, path, recalc)
		who := fmt.Sprintf("LibreOffice (recalculate %v)", recalc)
		checkByUnit(t, who, lo[SheetByUnit], o)
		up := lo[SheetUpward]
		for i, fl := range sheets.StatsFields() {
			if got, want := cellAt(up, 3+i, 3), cellAt(lo[SheetByUnit], byUnitFirstRow+i, 3+len(c.Units)); got != want {
				t.Errorf("%s: %s: %s %q, 合计 %q", who, fl.Label, SheetUpward, got, want)
			}
		}
		if got := cellAt(up, 2, 1); got != "部门/地方（盖章）：晋城市科学技术局" {
			t.Errorf("%s: stamp line %q", who, got)
		}
	}

	// The next level up reads the sum as one unit's table.
	res, fl := sheets.ParseFile(context.Background(), path, "统计汇总表.xlsx", sheets.Options{})
	if res.Kind != sheets.KindStats || res.Stats == nil {
		t.Fatalf("read back: kind %q, findings %v", res.Kind, fl)
	}
	if res.Stats.Unit != "晋城市科学技术局" {
		t.Errorf("read back: unit %q", res.Stats.Unit)
	}
	var tables []*sheets.Stats
	for _, s := range o.stats {
		tables = append(tables, s)
	}
	merged := sheets.MergeStats(tables)
	for _, fd := range sheets.StatsFields() {
		got, want := res.Stats.Fields[fd.Label].Value, merged.Fields[fd.Label].Value
		if (got == nil) != (want == nil) || got != nil && !near(*got, *want) {
			t.Errorf("read back: %s = %v, want %v", fd.Label, deref(got), deref(want))
		}
	}
	t.Logf("read back findings: %v", fl)

	golden(t, "stats.golden", dump(t, path))
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestStatsNoUnits: a campaign with no statistics table at all still
// writes the template with blank sums.
func TestStatsNoTables(t *testing.T) {
	c := &Campaign{State: &rules.State{Campaign: rules.CampaignInfo{ID: "x", Title: "测试"}, GeneratedAt: fxNow,
		Units: []rules.UnitState{{Name: "甲单位", Status: rules.NotSubmitted}}}}
	c.Units = []Unit{{State: &c.State.Units[0]}}
	path := writeFile(t, t.TempDir(), "s.xlsx", func(f *os.File) error { return WriteStats(f, c) })
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(SheetByUnit, excelize.Options{RawCellValue: true})
	if cellAt(rows, byUnitFirstRow, 3) != "未报送" || cellAt(rows, byUnitFirstRow, 4) != "" {
		t.Errorf("rows: %q", rows[byUnitFirstRow-1])
	}
	_ = campaign.ChinaTime
}

// dump lists a workbook's sheets, merged areas, cells (value, formula)
// and comments, for golden files.
func dump(t *testing.T, path string) string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	for _, sh := range f.GetSheetList() {
		fmt.Fprintf(&b, "== %s\n", sh)
		merges, _ := f.GetMergeCells(sh)
		var ms []string
		for _, m := range merges {
			ms = append(ms, m.GetStartAxis()+":"+m.GetEndAxis())
		}
		sort.Strings(ms)
		fmt.Fprintf(&b, "merged: %s\n", strings.Join(ms, " "))
		rows, _ := f.GetRows(sh, excelize.Options{RawCellValue: true})
		for r, row := range rows {
			for c, v := range row {
				ref := cell(c+1, r+1)
				formula, _ := f.GetCellFormula(sh, ref)
				if v == "" && formula == "" {
					continue
				}
				fmt.Fprintf(&b, "%s=%q", ref, v)
				if formula != "" {
					fmt.Fprintf(&b, " {=%s}", formula)
				}
				b.WriteString("\n")
			}
		}
		comments, _ := f.GetComments(sh)
		for _, cm := range comments {
			fmt.Fprintf(&b, "comment %s: %q\n", cm.Cell, cm.Text)
		}
	}
	return b.String()
}

// golden compares got with testdata/name (-update rewrites it).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (run with -update to accept):\n%s", name, diff(string(want), got))
	}
}

// diff shows the first differing lines.
func diff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for i := 0; i < max(len(al), len(bl)) && len(out) < 20; i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			out = append(out, fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, x, y))
		}
	}
	return strings.Join(out, "\n")
}
