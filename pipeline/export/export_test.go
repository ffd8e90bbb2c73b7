package export

import (
	"strings"
	"testing"

	"github.com/shoubao/shoubao/pipeline/rules"
)

// TestLoadPicksFinalTables: each unit's table is the latest usable one of
// its counting, non-superseded messages, and what was left out is said.
func TestLoadPicksFinalTables(t *testing.T) {
	c := newFixture(t).load(t)
	if len(c.Units) != 6 || c.Office != "晋城市科学技术局" {
		t.Fatalf("%d units, office %q", len(c.Units), c.Office)
	}
	for _, tc := range []struct {
		unit      string
		stats     string // file of the table used ("" none)
		list      string
		notes     []string // each a substring of one note
		files     int
		unusable  bool
		statusNot string
	}{
		{unit: "高平市发展改革和科技局", stats: "2024年晋城市科技活动周开展情况统计表（高平）.xlsx", list: "推荐清单.xlsx", files: 4},
		// The correction supersedes the first table.
		{unit: "泽州县教育局", stats: "统计表（更正）.xlsx", files: 3, notes: []string{"统计表“统计表.xlsx”（2024-06-02 15:00 收到）已被之后的更正邮件取代"}},
		// A supplement brings a newer table: the newest is used, the
		// older named, and the report's choice (the first) pointed out.
		{unit: "晋城市气象局", stats: "统计表.xls", files: 4, notes: []string{"另有较早的统计表“统计表.docx”（2024-06-04 16:00 收到）", "报送情况中计为“统计表.docx”的统计表不是最新的"}},
		{unit: "阳城县科技和商务局", list: "特色活动推荐表.xlsx", files: 4},
		{unit: "城区教育和科技局", files: 2},
		{unit: "晋城市图书馆"},
	} {
		u := unitByName(t, c, tc.unit)
		got := ""
		if u.Stats != nil {
			got = u.Stats.File
		}
		if got != tc.stats {
			t.Errorf("%s: statistics table %q, want %q", tc.unit, got, tc.stats)
		}
		got = ""
		if u.List != nil {
			got = u.List.File
		}
		if got != tc.list {
			t.Errorf("%s: recommendation list %q, want %q", tc.unit, got, tc.list)
		}
		if len(u.Files) != tc.files {
			t.Errorf("%s: %d files, want %d: %+v", tc.unit, len(u.Files), tc.files, u.Files)
		}
		for _, want := range tc.notes {
			found := false
			for _, n := range u.Notes {
				found = found || strings.Contains(n, want)
			}
			if !found {
				t.Errorf("%s: no note %q in %q", tc.unit, want, u.Notes)
			}
		}
		// Never a file of a superseded message.
		for _, f := range u.Files {
			for _, m := range u.State.Messages {
				if m.Key == f.Message && (m.Superseded || !m.Category.Counts()) {
					t.Errorf("%s: file %s from a superseded or non-counting message", tc.unit, f.File)
				}
			}
		}
	}
	if c.UnmatchedStats != 1 {
		t.Errorf("unmatched statistics tables: %d, want 1", c.UnmatchedStats)
	}
	if u := unitByName(t, c, "晋城市图书馆"); u.State.Status != rules.NotSubmitted {
		t.Errorf("图书馆: %s", u.State.Status)
	}
}
