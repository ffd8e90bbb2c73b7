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
