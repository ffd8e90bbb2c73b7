package sheets

import "testing"

func TestParseValue(t *testing.T) {
	n := func(f float64) *float64 { return &f }
	tests := []struct {
		raw  string
		unit string
		want *float64 // nil: blank (when ok) or unreadable
		ok   bool
	}{
		{"3", "人次", n(3), true},
		{"0", "人次", n(0), true},
		{"1,200", "人次", n(1200), true},
		{"1，200", "人次", n(1200), true},
		{"１２", "个", n(12), true},
		{"0.5", "万元", n(0.5), true},
		{"3万", "万元", n(3), true},
		{"3万", "人次", n(30000), true},
		{"3万元", "万元", n(3), true},
		{"30000元", "万元", n(3), true},
		{"1.2万", "人次", n(12000), true},
		{"3万人次", "人次", n(30000), true},
		{"五万元", "万元", n(5), true},
		{"约500", "人次", n(500), true},
		{"500余人", "人次", n(500), true},
		{"近2000人次", "人次", n(2000), true},
		{"100左右", "人次", n(100), true},
		{"三", "个", n(3), true},
		{"十", "个", n(10), true},
		{"十二", "次", n(12), true},
		{"二十", "次", n(20), true},
		{"一百零五", "次", n(105), true},
		{"一千二百", "人次", n(1200), true},
		{"一千二", "人次", n(1200), true},
		{"两千五", "人次", n(2500), true},
		{"一千零二", "人次", n(1002), true},
		{"三万五", "人次", n(35000), true},
		{"十万", "人次", n(100000), true},
		{"3千2百", "人次", n(3200), true},
		{"12篇", "个", n(12), true},
		{"", "人次", nil, true},
		{"  ", "人次", nil, true},
		{"无", "人次", n(0), true},
		{"/", "万元", n(0), true},
		{"／", "万元", n(0), true},
		{"-", "个", n(0), true},
		{"——", "个", n(0), true},
		{"—", "个", n(0), true},
		{"未填", "个", nil, true},
		{"5千", "万元", n(0.5), true},
		{"3百", "万元", n(0.03), true},
		{"5千", "人次", n(5000), true},
		{"3百", "人次", n(300), true},
		{"1.2万", "万元", n(1.2), true},
		{"12篇（条）", "个", n(12), true},
		{"约500（估计）", "人次", n(500), true},
		{"若干", "个", nil, false},
		{"3-5", "个", nil, false},
		{"二零二四", "个", nil, false},
		{"万", "个", nil, false},
		{"-5", "个", nil, false},
		{"见附件", "个", nil, false},
	}
	for _, tt := range tests {
		got, ok := parseValue(tt.raw, tt.unit)
		if ok != tt.ok || (got == nil) != (tt.want == nil) || got != nil && *got != *tt.want {
			t.Errorf("parseValue(%q, %q) = %v, %v; want %v, %v", tt.raw, tt.unit, deref(got), ok, deref(tt.want), tt.ok)
		}
	}
}

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

func FuzzParseValue(f *testing.F) {
	for _, s := range []string{"3万", "一千二百", "约500", "1,200", "0.5", "三万五", "十", "无"} {
		f.Add(s, "万元")
	}
	f.Fuzz(func(t *testing.T, raw, unit string) {
		v, ok := parseValue(raw, unit)
		if v != nil && (!ok || *v < 0 || *v != *v) {
			t.Fatalf("parseValue(%q) = %v, %v", raw, *v, ok)
		}
	})
}
