package roster

import (
	"testing"

	"github.com/shoubao/shoubao/pipeline/config"
)

func TestMatch(t *testing.T) {
	m := New([]config.Unit{
		{Name: "高平市发展改革和科技局", Aliases: []string{"高平市科技局"}, Senders: []string{"gpkjj@163.com"}},
		{Name: "阳城县科技和商务局", Aliases: []string{"阳城县科技局"}},
		{Name: "阳城县科学技术协会", Aliases: []string{"阳城县科协"}},
		{Name: "陵川县发展改革和科技局"},
		{Name: "晋城市气象局"},
	})
	tests := []struct {
		name     string
		e        Evidence
		unit, by string
	}{
		{"sender wins", Evidence{Senders: []string{"GPKJJ@163.com"}, Texts: []string{"阳城县科技局报送"}}, "高平市发展改革和科技局", BySender},
		{"forwarded original sender", Evidence{Senders: []string{"clerk@qq.com", "gpkjj@163.com"}}, "高平市发展改革和科技局", BySender},
		{"stats stamp", Evidence{Senders: []string{"x@qq.com"}, StatsUnits: []string{"阳城县科技和商务局（盖章）"}}, "阳城县科技和商务局", ByStats},
		{"subject beats a copied stamp", Evidence{Texts: []string{"陵川县发展改革和科技局报送材料"}, StatsUnits: []string{"高平市发展改革和科技局"}}, "陵川县发展改革和科技局", ByName},
		{"alias in subject", Evidence{Texts: []string{"关于报送2026年科技活动周总结的函-高平市科技局"}}, "高平市发展改革和科技局", ByName},
		{"full-width and spaces", Evidence{Texts: []string{"阳城县 科协 ２０２６ 总结"}}, "阳城县科学技术协会", ByName},
		{"longest name wins", Evidence{Texts: []string{"阳城县科技和商务局科技活动周总结.docx"}}, "阳城县科技和商务局", ByName},
		{"unique place", Evidence{Texts: []string{"陵川县活动周总结.docx"}}, "陵川县发展改革和科技局", ByPlace},
		{"ambiguous place", Evidence{Texts: []string{"阳城县活动周总结.docx"}}, "", ""},
		{"nothing", Evidence{Senders: []string{"a@b.cn"}, Texts: []string{"总结报告"}}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := m.Match(tt.e)
			if r.Unit != tt.unit || r.By != tt.by {
				t.Errorf("Match = %q, %q; want %q, %q", r.Unit, r.By, tt.unit, tt.by)
			}
		})
	}
}

func TestConflicts(t *testing.T) {
	m := New([]config.Unit{{Name: "陵川县发展改革和科技局", Aliases: []string{"陵川县科技局"}}, {Name: "高平市发展改革和科技局"}})
	r := m.Match(Evidence{Texts: []string{"陵川县科技局报送材料", "统计表（陵川县）.xlsx"}, StatsUnits: []string{"高平市发展改革和科技局"}})
	if r.Unit != "陵川县发展改革和科技局" || len(r.Conflicts) != 1 || r.Conflicts[0] != (Conflict{"高平市发展改革和科技局", ByStats}) {
		t.Fatalf("Match = %+v", r)
	}
	if r := m.Match(Evidence{Texts: []string{"陵川县科技局", "陵川县统计表"}}); len(r.Conflicts) != 0 {
		t.Fatalf("agreeing evidence reported as a conflict: %+v", r)
	}
}
