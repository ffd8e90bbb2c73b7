package sheets

import (
	"reflect"
	"testing"
)

func TestMergeStats(t *testing.T) {
	n := func(f float64) *float64 { return &f }
	a := &Stats{Unit: "高平市科技局", Fields: map[string]Value{
		"科普活动开展次数":   {Value: n(3), Raw: "3"},
		"中央财政经费投入情况": {Value: nil, Raw: ""},
		"市级财政经费投入情况": {Value: n(0.1), Raw: "0.1"},
		"线上活动群众参与数量": {Value: nil, Raw: ""},
	}, UnknownRows: []string{"科普讲座场次"}}
	b := &Stats{Unit: "泽州县教育局", Fields: map[string]Value{
		"科普活动开展次数":   {Value: n(12), Raw: "十二"},
		"中央财政经费投入情况": {Value: n(0), Raw: "0"},
		"市级财政经费投入情况": {Value: n(0.2), Raw: "0.2"},
		"线上活动群众参与数量": {Value: nil, Raw: ""},
		"其他经费情况":     {Value: n(0), Raw: "无"},
		"参与媒体数量":     {Value: n(2), Raw: "2"},
	}, UnknownRows: []string{}}
	got := MergeStats([]*Stats{a, nil, b})
	want := map[string]any{
		"科普活动开展次数":   15.0,
		"中央财政经费投入情况": 0.0, // nil + 0 is 0: one unit reported zero
		"市级财政经费投入情况": 0.3,
		"线上活动群众参与数量": nil, // nil in every table stays nil
		"参与媒体数量":     2.0,
		"其他经费情况":     0.0, // 无 is 0 with its text: summed, not null
	}
	if len(got.Fields) != len(want) {
		t.Fatalf("fields = %v", got.Fields)
	}
	for label, w := range want {
		if g := deref(got.Fields[label].Value); g != w {
			t.Errorf("%s = %v, want %v", label, g, w)
		}
	}
	if got.Unit != "高平市科技局、泽州县教育局" {
		t.Errorf("unit = %q", got.Unit)
	}
	if !reflect.DeepEqual(got.UnknownRows, []string{"科普讲座场次"}) {
		t.Errorf("unknown rows = %v", got.UnknownRows)
	}
	if e := MergeStats(nil); len(e.Fields) != 0 || e.UnknownRows == nil {
		t.Errorf("empty merge = %+v", e)
	}
}

func TestMergeRecommend(t *testing.T) {
	a := &Recommend{Columns: []string{"序号", "推荐活动", "推荐单位"}, Rows: []map[string]string{{"推荐活动": "甲"}}}
	b := &Recommend{Columns: []string{"序号", "活动名称", "推荐单位", "联系电话"}, Rows: []map[string]string{{"活动名称": "乙"}, {"活动名称": "丙"}}}
	got := MergeRecommend([]*Recommend{a, nil, b})
	if want := []string{"序号", "推荐活动", "推荐单位", "活动名称", "联系电话"}; !reflect.DeepEqual(got.Columns, want) {
		t.Errorf("columns = %v, want %v", got.Columns, want)
	}
	if len(got.Rows) != 3 || got.Rows[0]["推荐活动"] != "甲" || got.Rows[2]["活动名称"] != "丙" {
		t.Errorf("rows = %v", got.Rows)
	}
}
