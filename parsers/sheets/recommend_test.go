package sheets

import (
	"strings"
	"testing"
)

func TestCheckPhones(t *testing.T) {
	tests := []struct {
		in    string
		valid bool
	}{
		{"13835675002", true},
		{"138 3567 5002", true},
		{"+86 13835675002", true},
		{"0356-2633228", true},
		{"（0356）2633228", true},
		{"03562633228", true},
		{"010-12345678", true},
		{"0356-2633228转8001", true},
		{"13509767852 / 0356-4223668", true},
		{"13509767852、13068058857", true},
		{"400-123-4567", true},
		{"手机：13835675002", true},
		{"2633228", false},       // no area code
		{"3562633228", false},    // the leading 0 lost in a number cell
		{"138356750", false},     // too short
		{"1383567500212", false}, // too long
		{"12835675002", false},   // no such mobile prefix
		{"电话待定", false},
		{"13835675002 / 2633228", false},
	}
	for _, tt := range tests {
		why := checkPhones(tt.in)
		if (why == "") != tt.valid {
			t.Errorf("checkPhones(%q) = %q, want valid=%v", tt.in, why, tt.valid)
		}
	}
}

func TestColumnName(t *testing.T) {
	tests := map[string]string{
		"序号": colSeq, "序  号": colSeq, "活动名称": colName, "推荐活动": colActivity,
		"活动内容简介": colIntro, "活动内容": colIntro, "举办时间": colTime, "活动时间": colTime,
		"举办地点": colPlace, "承办单位": colUndertaker, "举办单位": colHost, "依托基地": colBase,
		"推荐单位": colRecommender, "推荐单位（盖章）": colRecommender, "联系人": colContact,
		"联系电话": colPhone, "联系\n电话": colPhone, "联系方式": colPhone, "手机号码": colPhone,
		"备注": "", "经费（万元）": "",
	}
	for in, want := range tests {
		if got := columnName(in); got != want {
			t.Errorf("columnName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSerialDate(t *testing.T) {
	tests := map[string]string{
		"46167":          "2026-05-25",
		"45437":          "2024-05-25",
		"5月下旬至6月上旬":      "5月下旬至6月上旬",
		"12":             "12",
		"2026-05-25":     "2026-05-25",
		"46167.5":        "2026-05-25",
		"99999999999999": "99999999999999",
	}
	for in, want := range tests {
		if got := serialDate(in); got != want {
			t.Errorf("serialDate(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReadRecommendGrid(t *testing.T) {
	header := []string{"序号", "活动名称", "推荐单位", "联系人", "联系电话"}
	g := &grid{name: "Sheet1", rows: [][]string{
		{"附件"},
		{"特色群众性主题实践活动推荐表"},
		header,
		{"1", "科学零距离", "晋城市图书馆", "侯亚琼", "15935064270"},
		{},
		header, // repeated on page 2
		{"2", "校园科技\n创意大赛", "泽州县发展和科技局", "赵娜", "13835602802"},
		{"3", "", "", "", ""}, // an unused numbered row
		{"4", "气象科普进校园", "", "张三", "2633228"},
		{"注：联系电话请填写手机号码"},
	}}
	rr := readRecommend(g)
	if rr == nil {
		t.Fatal("no list found")
	}
	if len(rr.rec.Rows) != 3 {
		t.Fatalf("rows = %d, want 3: %v", len(rr.rec.Rows), rr.rec.Rows)
	}
	if got := rr.rec.Rows[1]["活动名称"]; got != "校园科技\n创意大赛" {
		t.Errorf("multi-line cell = %q", got)
	}
	codes := map[string]int{}
	for _, f := range rr.fl {
		codes[f.Code]++
	}
	if codes["recommend_missing_value"] != 1 || codes["recommend_phone_invalid"] != 1 || len(rr.fl) != 2 {
		t.Errorf("findings = %v", rr.fl)
	}
	if readRecommend(&grid{rows: [][]string{{"序号", "名称", "单位"}}}) != nil {
		t.Error("a header without 活动名称/推荐活动 was taken for a list")
	}
}

func TestRecommendMergedOverEmptyRow(t *testing.T) {
	g := &grid{name: "Sheet1", rows: [][]string{
		{"序号", "活动名称", "举办单位", "推荐单位"},
		{"1", "甲活动", "甲单位", "高平市科技局"},
		{"2", "乙活动", "乙单位", ""},
		{"", "", "", ""}, // inside the merge, nothing typed
	}}
	g.addMerges([]area{{1, 3, 3, 3}})
	rr := readRecommend(g)
	if len(rr.rec.Rows) != 2 || rr.rec.Rows[1]["推荐单位"] != "高平市科技局" || len(rr.fl) != 0 {
		t.Errorf("rows = %v, findings %v", rr.rec.Rows, rr.fl)
	}
}

// TestTwoRowHeader: 联系人 merged over 姓名 and 电话, the other header cells
// merged down over both rows.
func TestTwoRowHeader(t *testing.T) {
	g := &grid{name: "推荐表", rows: [][]string{
		{"序号", "活动名称", "活动内容简介", "推荐单位", "联系人", ""},
		{"", "", "", "", "姓名", "电话"},
		{"1", "科普进校园", "讲座", "城区科协", "张三", "13835675002"},
	}}
	g.addMerges([]area{{0, 0, 1, 0}, {0, 1, 1, 1}, {0, 2, 1, 2}, {0, 3, 1, 3}, {0, 4, 0, 5}})
	rr := readRecommend(g)
	if rr == nil {
		t.Fatal("no list")
	}
	want := []string{"序号", "活动名称", "活动内容简介", "推荐单位", "联系人", "联系电话"}
	if strings.Join(rr.rec.Columns, ",") != strings.Join(want, ",") {
		t.Errorf("columns %q", rr.rec.Columns)
	}
	if len(rr.rec.Rows) != 1 || rr.rec.Rows[0]["联系人"] != "张三" || rr.rec.Rows[0]["联系电话"] != "13835675002" {
		t.Errorf("rows %v, findings %v", rr.rec.Rows, rr.fl)
	}
}
