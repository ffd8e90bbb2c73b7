package sheets

import "testing"

func TestUnitFromRow(t *testing.T) {
	tests := []struct {
		cells  []string
		unit   string
		isUnit bool
	}{
		{[]string{"部门/地方（盖章）：高平市科技局"}, "高平市科技局", true},
		{[]string{"部门/地方(盖章): 泽州县教育局", "", "填表日期：2024年6月5日"}, "泽州县教育局", true},
		{[]string{"部门/地方（盖章）：城区教育和科技局      填表日期：6月5日"}, "城区教育和科技局", true},
		{[]string{"部门/地方：陵川县科技局（盖章）"}, "陵川县科技局", true},
		{[]string{"部门/地方（盖章）：", "阳城县科技局"}, "阳城县科技局", true},
		{[]string{"部门/地方（盖章）："}, "", true},
		// blank, the label shown again by the merged cells it covers
		{[]string{"部门/地方（盖章）：", "部门/地方（盖章）：", "部门/地方（盖章）："}, "", true},
		{[]string{"部门/地方（盖章）：", "", "填表日期：6月5日"}, "", true},
		{[]string{"填报单位（盖章）：沁水县科协"}, "沁水县科协", true},
		{[]string{"单位：万元"}, "", false},
		{[]string{"2024 年晋城市科技活动周开展情况统计表"}, "", false},
	}
	for _, tt := range tests {
		var cells []rowCell
		for i, c := range tt.cells {
			if c != "" {
				cells = append(cells, rowCell{col: i, text: c})
			}
		}
		unit, ok := unitFromRow(cells)
		if unit != tt.unit || ok != tt.isUnit {
			t.Errorf("unitFromRow(%q) = %q, %v; want %q, %v", tt.cells, unit, ok, tt.unit, tt.isUnit)
		}
	}
}

// TestStatsGrid reads hand-made grids for layouts the fixtures do not
// cover.
func TestStatsGrid(t *testing.T) {
	m := newMatcher()
	t.Run("group in its own row above unmerged sub-rows", func(t *testing.T) {
		g := &grid{name: "Sheet1", rows: [][]string{
			{"部门/地方（盖章）：城区教育和科技局"},
			{"科普活动开展次数", "", "9"},
			{"科普工作人员参与数量（人次）"},
			{"", "其他", "4"},
			{"科普活动群众参与数量（人次）"},
			{"", "线下", "100"},
			{"", "其他", "7"},
			{"宣传报道情况", "参与媒体数量", "2"},
			{"", "宣传报道数量", "3"},
		}}
		sr := readStats(g, m)
		want := map[string]float64{"科普活动开展次数": 9, "其他人员数量": 4, "线下活动群众参与数量": 100, "参与媒体数量": 2, "宣传报道数量": 3}
		for label, v := range want {
			if got := sr.stats.Fields[label].Value; got == nil || *got != v {
				t.Errorf("%s = %v, want %v", label, deref(got), v)
			}
		}
		if len(sr.stats.Fields) != len(want) {
			t.Errorf("fields = %v", sr.stats.Fields)
		}
		// 其他 under the public group is not a template row.
		if len(sr.stats.UnknownRows) != 1 || sr.stats.UnknownRows[0] != "其他" {
			t.Errorf("unknown rows = %q", sr.stats.UnknownRows)
		}
	})
	t.Run("merged value cell counts once", func(t *testing.T) {
		g := &grid{name: "Sheet1", rows: [][]string{
			{"宣传报道情况", "参与媒体数量", "5"},
			{"", "宣传报道数量", ""},
			{"科普活动开展次数", "", "1"},
			{"活动周期间开放的科普场馆数量", "", "1"},
		}}
		g.addMerges([]area{{0, 0, 1, 0}, {0, 2, 1, 2}})
		sr := readStats(g, m)
		if v := sr.stats.Fields["宣传报道数量"]; v.Value != nil || v.Raw != "" {
			t.Errorf("value under a merged cell = %+v, want not filled", v)
		}
		if v := sr.stats.Fields["参与媒体数量"].Value; v == nil || *v != 5 {
			t.Errorf("参与媒体数量 = %v", deref(v))
		}
	})
	t.Run("duplicate row", func(t *testing.T) {
		g := &grid{name: "Sheet1", rows: [][]string{
			{"科普活动开展次数", "3"},
			{"科普活动开展次数", "4"},
			{"活动周期间开放的科普场馆数量", "1"},
			{"活动周期间开放活动的大学数量", "1"},
			{"活动周期间开放活动的科研机构数量", "1"},
		}}
		sr := readStats(g, m)
		if v := sr.stats.Fields["科普活动开展次数"].Value; v == nil || *v != 3 {
			t.Errorf("科普活动开展次数 = %v, want the first, 3", deref(v))
		}
		if !sr.fl.Has("stats_field_duplicate") || !sr.fl.Has("stats_unit_missing") {
			t.Errorf("findings = %v", sr.fl)
		}
	})
}

// TestStatsLayouts reads hand-made grids of the layouts of round 2.
func TestStatsLayouts(t *testing.T) {
	m := newMatcher()
	value := func(t *testing.T, sr *statsRead, label string, want any) {
		t.Helper()
		v, ok := sr.stats.Fields[label]
		if !ok {
			t.Errorf("%s not found (fields %v)", label, sr.stats.Fields)
			return
		}
		if got := deref(v.Value); got != want {
			t.Errorf("%s = %v (raw %q), want %v", label, got, v.Raw, want)
		}
	}
	t.Run("value column named by the header, left of the labels", func(t *testing.T) {
		g := &grid{name: "s", rows: [][]string{
			{"数量", "项目", "备注"},
			{"3", "科普活动开展次数", ""},
			{"", "活动周期间开放的科普场馆数量", "5"}, // blank: 备注 is not a value
			{"1", "活动周期间开放活动的科研机构数量"},
			{"无", "活动周期间开放活动的大学数量"},
		}}
		sr := readStats(g, m)
		value(t, sr, "科普活动开展次数", 3.0)
		value(t, sr, "活动周期间开放的科普场馆数量", nil)
		value(t, sr, "活动周期间开放活动的大学数量", 0.0)
	})
	t.Run("a blank value is not the next field's label", func(t *testing.T) {
		g := &grid{name: "s", rows: [][]string{
			{"科普活动开展次数", "", "活动周期间开放的科普场馆数量", "2"},
			{"活动周期间开放活动的科研机构数量", "1"},
			{"活动周期间开放活动的大学数量", "1"},
			{"参与媒体数量", "1"},
		}}
		sr := readStats(g, m)
		value(t, sr, "科普活动开展次数", nil)
		if sr.fl.Has("stats_value_unreadable") {
			t.Errorf("findings %v", sr.fl)
		}
	})
	t.Run("a formula without its result is not its neighbour's value", func(t *testing.T) {
		g := &grid{name: "s", rows: [][]string{
			{"科普活动开展次数", "", "99"},
			{"活动周期间开放的科普场馆数量", "1"},
			{"活动周期间开放活动的科研机构数量", "1"},
			{"活动周期间开放活动的大学数量", "1"},
		}}
		g.addUncached(0, 1, "SUM(B2:B4)")
		sr := readStats(g, m)
		value(t, sr, "科普活动开展次数", nil)
		if v := sr.stats.Fields["科普活动开展次数"]; v.Raw != "=SUM(B2:B4)" || !sr.fl.Has("stats_formula_no_value") {
			t.Errorf("raw %q, findings %v", v.Raw, sr.fl)
		}
	})
	t.Run("top-level rows in the sub-labels' column after a group", func(t *testing.T) {
		g := &grid{name: "s", rows: [][]string{
			{"宣传报道情况", "参与媒体数量", "2"},
			{"", "宣传报道数量", "3"},
			{"", "活动周期间开放的科普场馆数量", "4"},
			{"", "活动周期间开放活动的大学数量", "5"},
		}}
		sr := readStats(g, m)
		value(t, sr, "宣传报道数量", 3.0)
		value(t, sr, "活动周期间开放的科普场馆数量", 4.0)
		value(t, sr, "活动周期间开放活动的大学数量", 5.0)
		if len(sr.stats.UnknownRows) != 0 {
			t.Errorf("unknown rows %q", sr.stats.UnknownRows)
		}
	})
	t.Run("laid out across", func(t *testing.T) {
		g := &grid{name: "s", rows: [][]string{
			{"部门/地方（盖章）：城区科协"},
			{"科普活动开展次数", "宣传报道情况", "", "活动周期间开放的科普场馆数量", "活动周期间开放活动的大学数量"},
			{"", "参与媒体数量", "宣传报道数量"},
			{"6", "2", "十二", "1", "/"},
		}}
		g.addMerges([]area{{1, 0, 2, 0}, {1, 1, 1, 2}, {1, 3, 2, 3}, {1, 4, 2, 4}})
		if sr := readStats(g, m); sr.matched >= minStatsFields {
			t.Fatalf("read as is: %d fields", sr.matched)
		}
		sr := readStats(g.transpose(), m)
		value(t, sr, "科普活动开展次数", 6.0)
		value(t, sr, "参与媒体数量", 2.0)
		value(t, sr, "宣传报道数量", 12.0)
		value(t, sr, "活动周期间开放活动的大学数量", 0.0)
		if u := unitOf(g); u != "城区科协" {
			t.Errorf("unit %q", u)
		}
	})
}

func TestContinuation(t *testing.T) {
	for _, tc := range []struct {
		paras [][]string
		want  bool
	}{
		{nil, true},
		{[][]string{{"续表"}}, true},
		{[][]string{{"（续）"}}, true},
		{[][]string{{"附件 2"}, {"2024 年科技活动周特色活动推荐清单"}}, false},
		{[][]string{{"推荐表"}}, false},
	} {
		if got := continuation(tc.paras); got != tc.want {
			t.Errorf("continuation(%q) = %v", tc.paras, got)
		}
	}
}
