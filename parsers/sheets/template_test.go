package sheets

import "testing"

func TestMatcherFields(t *testing.T) {
	m := newMatcher()
	group := func(label string) int {
		for i, g := range templateGroups {
			if g == label {
				return i
			}
		}
		t.Fatalf("no group %s", label)
		return -1
	}
	tests := []struct {
		label string
		group int // -1: none
		want  string
	}{
		{"科普活动开展次数", -1, "科普活动开展次数"},
		{"开展科普活动次数", -1, "科普活动开展次数"},
		{"中央财政经费投入情况", group(groupFunds), "中央财政经费投入情况"},
		{"中央财政投入", group(groupFunds), "中央财政经费投入情况"},
		{"省级财政经费投入", group(groupFunds), "省级、副省级财政经费投入情况"},
		{"市级财政经费投入情况（万元）", group(groupFunds), "市级财政经费投入情况"},
		{"县级财政投入情况", group(groupFunds), "县级财政经费投入情况"},
		{"实物投入情况(如:捐赠图书、光盘、创新操作室等)", group(groupFunds), "实物投入情况（如：捐赠图书、光盘、创新操作室等）"},
		{"其他", group(groupFunds), "其他经费情况"},
		{"其他", group(groupStaff), "其他人员数量"},
		{"其 他 人 员", group(groupStaff), "其他人员数量"},
		{"其他", group(groupPublic), ""}, // the public group has no 其他 row
		{"其他", -1, ""},                 // ambiguous without its group
		{"线下参与人次", group(groupPublic), "线下活动群众参与数量"},
		{"线上活动群众参与数量（人次）", group(groupPublic), "线上活动群众参与数量"},
		{"科技工作者参与人数", group(groupStaff), "科技工作者参与数量"},
		{"媒体数量", group(groupPress), "参与媒体数量"},
		{"宣传报道篇数", group(groupPress), "宣传报道数量"},
		{"活动周期间开放的\n科普场馆数量", -1, "活动周期间开放的科普场馆数量"},
		{"开放高校数量", -1, "活动周期间开放活动的大学数量"},
		{"活动周期间开放活动的科研院所数量", -1, "活动周期间开放活动的科研机构数量"},
		{"其中：青少年", group(groupPublic), ""},
		{"科普讲座场次", -1, ""},
		{"2024 年晋城市科技活动周开展情况统计表", -1, ""},
		{"填表人", -1, ""},
	}
	for _, tt := range tests {
		i, score := m.bestField(labelKey(tt.label), tt.group)
		got := ""
		if i >= 0 {
			got = templateFields[i].Label
		}
		if got != tt.want {
			t.Errorf("bestField(%q, group %d) = %q (score %.2f), want %q", tt.label, tt.group, got, score, tt.want)
		}
	}
}

func TestMatcherGroups(t *testing.T) {
	m := newMatcher()
	tests := []struct {
		label string
		want  string
	}{
		{"活动经费投入数量 (单位: 万元)", groupFunds},
		{"活动经费投入（万元）", groupFunds},
		{"科普工作人员\n参与数量(单位: 人次)", groupStaff},
		{"科普工作人员参与情况（人次）", groupStaff},
		{"科普活动群众参与数量（单位：人次）", groupPublic},
		{"宣传报道情况", groupPress},
		{"科普活动开展次数", ""},
		{"中央财政经费投入情况", ""},
	}
	for _, tt := range tests {
		i, score := m.bestGroup(labelKey(tt.label))
		got := ""
		if i >= 0 {
			got = templateGroups[i]
		}
		if got != tt.want {
			t.Errorf("bestGroup(%q) = %q (score %.2f), want %q", tt.label, got, score, tt.want)
		}
	}
}

func TestStatsFields(t *testing.T) {
	fs := StatsFields()
	if len(fs) != 19 {
		t.Fatalf("%d fields, want the template's 19", len(fs))
	}
	seen := map[string]bool{}
	for _, f := range fs {
		if seen[f.Label] {
			t.Errorf("duplicate label %s", f.Label)
		}
		seen[f.Label] = true
		if f.Unit == "" {
			t.Errorf("%s has no unit", f.Label)
		}
	}
	fs[0].Label = "changed"
	if StatsFields()[0].Label == "changed" {
		t.Error("StatsFields returns the package's own slice")
	}
}
