package sheets

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/shoubao/shoubao/parsers/finding"
)

// parse reads a fixture of testdata.
func parse(t *testing.T, name string) (*Result, finding.List) {
	t.Helper()
	res, fl := ParseFile(context.Background(), filepath.Join("testdata", name), name, Options{})
	if res == nil {
		t.Fatalf("%s: nil result", name)
	}
	return res, fl
}

// TestSameTableAcrossFormats: LibreOffice's .xls and .ods of a workbook
// read the same as the .xlsx they were converted from.
func TestSameTableAcrossFormats(t *testing.T) {
	for _, pair := range [][2]string{
		{"stats_template.xlsx", "stats_template.xls"},
		{"recommend_2026.xlsx", "recommend_2026.xls"},
		{"stats_formula.xlsx", "stats_formula.xls"},
		{"recommend_long.xlsx", "recommend_long.xls"},
		{"stats_template.xlsx", "stats_template.ods"},
		{"recommend_2026.xlsx", "recommend_2026.ods"},
		{"stats_hidden.xlsx", "stats_hidden.ods"},
		{"stats_transposed.xlsx", "stats_transposed.ods"},
		{"recommend_two_row_header.xlsx", "recommend_two_row_header.ods"},
		{"stats_value_left.xlsx", "stats_value_left.ods"},
	} {
		a, fa := parse(t, pair[0])
		b, fb := parse(t, pair[1])
		if a.Kind == "" || !reflect.DeepEqual(a, b) {
			t.Errorf("%s and %s differ:\n%+v\n%+v", pair[0], pair[1], a, b)
		}
		if !reflect.DeepEqual(fa, fb) {
			t.Errorf("findings of %s and %s differ:\n%v\n%v", pair[0], pair[1], fa, fb)
		}
	}
}

func TestStatsFixtures(t *testing.T) {
	tests := []struct {
		file    string
		unit    string
		values  map[string]any // label → value (nil: not filled)
		raws    map[string]string
		unknown []string
		codes   []string
	}{
		{
			file: "stats_template.xlsx", unit: "高平市科技局",
			values: map[string]any{
				"科普活动开展次数": 12.0, "中央财政经费投入情况": 0.0, "省级、副省级财政经费投入情况": 0.0, // 无
				"县级财政经费投入情况": 3.0, "企业赞助经费情况": 1200.0, "其他经费情况": nil,
				"科普专职人员数量": 3.0, "科技工作者参与数量": 12.0, "招募科技志愿者数量": 1200.0,
				"线下活动群众参与数量": 30000.0, "线上活动群众参与数量": 500.0, "宣传报道数量": 0.0, // -
				"活动周期间开放活动的科研机构数量": nil,
			},
			unknown: []string{},
			codes:   []string{"stats_value_unreadable"},
		},
		{
			file: "stats_variant.xlsx", unit: "泽州县教育局",
			values: map[string]any{
				"科普活动开展次数": 8.0, "中央财政经费投入情况": 1.5, "省级、副省级财政经费投入情况": 2.0,
				"市级财政经费投入情况": 0.8, "县级财政经费投入情况": 5.0, "实物投入情况（如：捐赠图书、光盘、创新操作室等）": 3.0,
				"其他经费情况": 0.2, "科普专职人员数量": 20.0, "科技工作者参与数量": 12000.0, "其他人员数量": 6.0,
				"线下活动群众参与数量": 2500.0, "线上活动群众参与数量": 3500.0, "宣传报道数量": 12.0,
				"活动周期间开放活动的科研机构数量": 0.0, "活动周期间开放活动的大学数量": 0.0, // 无
			},
			unknown: []string{"科普讲座场次", "其中：青少年"},
			codes:   []string{"stats_field_missing"},
		},
		{
			file: "stats_hidden.xlsx", unit: "陵川县科技局",
			values:  map[string]any{"科普活动开展次数": 4.0, "线上活动群众参与数量": 1500.0},
			unknown: []string{},
			codes:   []string{"table_in_hidden_sheet"},
		},
		{
			file: "stats_formula.xlsx", unit: "阳城县科技和商务局",
			values:  map[string]any{"科普活动开展次数": 5.0, "线下活动群众参与数量": 4.0},
			unknown: []string{},
		},
		{
			// 无 — - ／ / are 0 with the text kept; magnitudes in 万元 rows
			// are yuan; the blank 盖章 line is an empty unit.
			file: "stats_values_typed.xlsx", unit: "",
			values: map[string]any{
				"科普活动开展次数": 6.0, "中央财政经费投入情况": 0.0, "省级、副省级财政经费投入情况": 0.0, "市级财政经费投入情况": 0.0,
				"县级财政经费投入情况": 0.5, "企业赞助经费情况": 0.03, "实物投入情况（如：捐赠图书、光盘、创新操作室等）": 1.2,
				"其他经费情况": 0.0, "科普专职人员数量": 0.0, "招募科技志愿者数量": 500.0, "其他人员数量": nil,
				"线下活动群众参与数量": 12000.0, "线上活动群众参与数量": 3000.0, "参与媒体数量": 12.0, "宣传报道数量": 30.0,
				"活动周期间开放的科普场馆数量": 0.0, "活动周期间开放活动的大学数量": 0.0,
			},
			raws:  map[string]string{"中央财政经费投入情况": "无", "省级、副省级财政经费投入情况": "—", "参与媒体数量": "12篇（条）", "其他人员数量": ""},
			codes: []string{"stats_unit_missing"},
		},
		{
			file: "stats_value_left.xlsx", unit: "城区教育和科技局",
			values: map[string]any{
				"科普活动开展次数": 7.0, "省级、副省级财政经费投入情况": nil, "企业赞助经费情况": nil, // 备注 has text and a number
				"其他人员数量": 2.0, "线上活动群众参与数量": 12000.0, "活动周期间开放活动的大学数量": 0.0,
			},
		},
		{
			file: "stats_value_far.xlsx", unit: "陵川县科技局",
			values: map[string]any{
				"科普活动开展次数": 1.0, "市级财政经费投入情况": nil, "科技工作者参与数量": nil, // 上年数 is never taken
				"活动周期间开放活动的大学数量": 19.0,
			},
		},
		{
			file: "stats_transposed.xlsx", unit: "阳城县科技和商务局",
			values: map[string]any{
				"科普活动开展次数": 9.0, "企业赞助经费情况": 0.0, "其他经费情况": nil, "线下活动群众参与数量": 2600.0,
				"宣传报道数量": 14.0, "活动周期间开放活动的大学数量": 0.0,
			},
		},
		{
			file: "stats_toplevel_after_group.xlsx", unit: "沁水县科协",
			values: map[string]any{
				"宣传报道数量": 25.0, "活动周期间开放的科普场馆数量": 26.0, "活动周期间开放活动的科研机构数量": 27.0, "活动周期间开放活动的大学数量": 28.0,
			},
		},
		{
			file: "stats_hidden_differs.xlsx", unit: "高平市科协",
			values: map[string]any{"科普活动开展次数": 3.0, "线下活动群众参与数量": 100.0},
			codes:  []string{"hidden_sheet_differs"},
		},
		{
			// rich-text shared strings, inline strings, a formula without
			// its result next to a number that must not be taken
			file: "stats_wps.xlsx", unit: "",
			values: map[string]any{
				"科普活动开展次数": 8.0, "中央财政经费投入情况": 0.0, "省级、副省级财政经费投入情况": 0.0, "县级财政经费投入情况": 0.5,
				"线下活动群众参与数量": nil, "线上活动群众参与数量": 12000.0, "宣传报道数量": 12.0, "其他经费情况": nil,
			},
			raws:  map[string]string{"线下活动群众参与数量": "=C16*2"},
			codes: []string{"stats_formula_no_value", "stats_unit_missing"},
		},
		{
			file: "stats_uncached.ods", unit: "高平市教育局",
			values: map[string]any{"线下活动群众参与数量": nil, "科技工作者参与数量": 1200.0, "宣传报道数量": 8.0},
			codes:  []string{"stats_formula_no_value", "stats_field_missing"},
		},
		{
			file: "stats_word_split.docx", unit: "泽州县科学技术协会",
			values: map[string]any{
				"科普活动开展次数": 7.0, "省级、副省级财政经费投入情况": nil, "县级财政经费投入情况": 0.5, "其他经费情况": 0.0,
				"科普专职人员数量": 6.0, "线上活动群众参与数量": 6000.0, "宣传报道数量": 9.0, "活动周期间开放活动的大学数量": 0.0,
			},
		},
		{
			file: "stats_word.docx", unit: "沁水县发展和改革局和科技局",
			values: map[string]any{
				"科普活动开展次数": 6.0, "市级财政经费投入情况": 1.5, "其他人员数量": 5.0,
				"线下活动群众参与数量": 1200.0, "线上活动群众参与数量": 3000.0, "活动周期间开放活动的大学数量": 0.0, // /
			},
			unknown: []string{},
		},
	}
	for _, tt := range tests {
		if tt.unknown == nil {
			tt.unknown = []string{}
		}
		t.Run(tt.file, func(t *testing.T) {
			res, fl := parse(t, tt.file)
			if res.Kind != KindStats || res.Stats == nil {
				t.Fatalf("kind = %q, findings %v", res.Kind, fl)
			}
			if res.Stats.Unit != tt.unit {
				t.Errorf("unit = %q, want %q", res.Stats.Unit, tt.unit)
			}
			for label, want := range tt.values {
				v, ok := res.Stats.Fields[label]
				if !ok {
					t.Errorf("%s not found", label)
					continue
				}
				if got := deref(v.Value); got != want {
					t.Errorf("%s = %v (raw %q), want %v", label, got, v.Raw, want)
				}
			}
			for label, want := range tt.raws {
				if got := res.Stats.Fields[label].Raw; got != want {
					t.Errorf("%s raw = %q, want %q", label, got, want)
				}
			}
			if !reflect.DeepEqual(res.Stats.UnknownRows, tt.unknown) {
				t.Errorf("unknown rows = %q, want %q", res.Stats.UnknownRows, tt.unknown)
			}
			var codes []string
			for _, f := range fl {
				codes = append(codes, f.Code)
			}
			if !reflect.DeepEqual(codes, tt.codes) {
				t.Errorf("finding codes = %v, want %v (%v)", codes, tt.codes, fl)
			}
		})
	}
}

func TestRecommendFixtures(t *testing.T) {
	tests := []struct {
		file    string
		columns int
		rows    int
		check   map[int]map[string]string // row index → column → value
		codes   map[string]int
	}{
		{"recommend_2024.xlsx", 4, 16, map[int]map[string]string{
			2:  {"举办单位": "吉利尔潞绸历史文化展示馆\n等科普基地", "推荐单位": "高平市科技局"},
			15: {"序号": "16", "推荐活动": "“交通安全，与我童行”"},
		}, map[string]int{}},
		{"recommend_2024.docx", 4, 6, map[int]map[string]string{
			3: {"推荐活动": "防震减灾 科普先行", "推荐单位": "高平市科技局"}, // vertically merged cell
			4: {"序号": "5"},                             // after the repeated header
		}, map[string]int{"recommend_missing_value": 1}},
		{"recommend_2026.xlsx", 10, 11, map[int]map[string]string{
			0: {"联系电话": "13835675002", "依托基地": "晋城城市体验中心"},
			6: {"举办地点": "晋城市\n图书馆"},
			7: {"依托基地": "", "推荐单位": "泽州县\n发展和改革\n和科技局"},
		}, map[string]int{"recommend_missing_value": 2, "recommend_phone_invalid": 2}},
		{"recommend_two_row_header.xlsx", 9, 3, map[int]map[string]string{
			0: {"联系人": "吴莎莎", "联系电话": "13835675002"},
			2: {"联系人": "赵晋萍", "联系电话": "0356-2633228"},
		}, map[string]int{}},
		{"recommend_wps.xlsx", 10, 2, map[int]map[string]string{
			0: {"举办时间": "2026-05-25", "联系电话": "13835675002", "活动名称": "科普大篷车进乡村"},
			1: {"依托基地": "高平市气象科普基地"},
		}, map[string]int{}},
		{"recommend_split.docx", 4, 5, map[int]map[string]string{
			3: {"序号": "4", "推荐活动": "低空经济航空科普宣讲活动"},
		}, map[string]int{}},
		{"recommend_split_nohdr.docx", 4, 5, map[int]map[string]string{
			4: {"序号": "5", "推荐单位": "晋城博物馆"},
		}, map[string]int{}},
		{"recommend_2026.csv", 10, 11, map[int]map[string]string{
			0: {"联系电话": "13835675002", "依托基地": "晋城城市体验中心"},
			6: {"举办地点": "晋城市\n图书馆"},
		}, map[string]int{"recommend_missing_value": 2, "recommend_phone_invalid": 2}},
		{"recommend_2026_gbk.csv", 10, 11, map[int]map[string]string{
			1: {"活动名称": "科艺融合·赓续科学家精神宣讲活动"},
		}, map[string]int{"recommend_missing_value": 2, "recommend_phone_invalid": 2}},
		{"recommend_2026_tab_bom.csv", 10, 11, map[int]map[string]string{
			0: {"序号": "1"},
		}, map[string]int{"recommend_missing_value": 2, "recommend_phone_invalid": 2}},
		{"recommend_reordered.xlsx", 11, 4, map[int]map[string]string{
			0: {"举办时间": "2026-05-25", "推荐单位": "阳城县气象局"},
			1: {"联系电话": "13133160761", "备注": "新增"},
			2: {"推荐单位": "阳城县科技和商务局"},
			3: {"推荐单位": "阳城县科技和商务局", "联系电话": "13509767852 / 0356-4223668"},
		}, map[string]int{}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res, fl := parse(t, tt.file)
			if res.Kind != KindRecommend || res.Recommend == nil {
				t.Fatalf("kind = %q, findings %v", res.Kind, fl)
			}
			rec := res.Recommend
			if len(rec.Columns) != tt.columns || len(rec.Rows) != tt.rows {
				t.Fatalf("%d columns, %d rows; want %d, %d", len(rec.Columns), len(rec.Rows), tt.columns, tt.rows)
			}
			for i, cols := range tt.check {
				for col, want := range cols {
					if got := rec.Rows[i][col]; got != want {
						t.Errorf("row %d %s = %q, want %q", i, col, got, want)
					}
				}
			}
			codes := map[string]int{}
			for _, f := range fl {
				codes[f.Code]++
			}
			if !reflect.DeepEqual(codes, tt.codes) {
				t.Errorf("findings = %v, want codes %v", fl, tt.codes)
			}
		})
	}
}

func TestManualReview(t *testing.T) {
	for _, name := range []string{"stats_word.doc", "truncated.xlsx", "not_a_table.xls", "empty.xlsx"} {
		res, fl := parse(t, name)
		if res.Kind != "" || res.Stats != nil || res.Recommend != nil {
			t.Errorf("%s: result %+v", name, res)
		}
		if !fl.Has(CodeManualReview) {
			t.Errorf("%s: findings %v, want %s", name, fl, CodeManualReview)
		}
	}
	res, fl := ParseFile(context.Background(), filepath.Join("testdata", "no-such-file.xlsx"), "x.xlsx", Options{})
	if res == nil || !finding.List(fl).Has(CodeManualReview) {
		t.Errorf("missing file: %+v %v", res, fl)
	}
}

func TestLimits(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		opts Options
		code string
	}{
		{"recommend_2026.xlsx", Options{MaxRows: 5}, CodeTruncated},
		{"recommend_2026.xls", Options{MaxRows: 5}, CodeTruncated},
		{"recommend_2026.xlsx", Options{MaxCells: 30}, CodeTruncated},
		{"recommend_2026.xlsx", Options{MaxFileBytes: 100}, CodeManualReview},
		{"recommend_2026.xlsx", Options{MaxUncompressedBytes: 1000}, CodeManualReview},
		{"recommend_2026.xls", Options{MaxUncompressedBytes: 100}, CodeManualReview},
		{"stats_word.docx", Options{MaxUncompressedBytes: 2000}, "docx_too_large"},
		{"recommend_2026.ods", Options{MaxRows: 5}, CodeTruncated},
		{"recommend_2026.ods", Options{MaxCells: 30}, CodeTruncated},
		{"recommend_2026.ods", Options{MaxUncompressedBytes: 1000}, CodeManualReview},
		{"recommend_2026.csv", Options{MaxRows: 5}, CodeTruncated},
		{"recommend_2026.csv", Options{MaxCells: 30}, CodeTruncated},
	}
	for _, tt := range tests {
		_, fl := ParseFile(ctx, filepath.Join("testdata", tt.name), tt.name, tt.opts)
		if !finding.List(fl).Has(tt.code) {
			t.Errorf("%s %+v: findings %v, want %s", tt.name, tt.opts, fl, tt.code)
		}
	}
}

func TestCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, fl := ParseFile(ctx, filepath.Join("testdata", "recommend_2026.xlsx"), "r.xlsx", Options{})
	if !finding.List(fl).Has(CodeTimeout) {
		t.Errorf("findings %v, want %s", fl, CodeTimeout)
	}
}

// TestFormatByContent: the content decides the format, not the name.
func TestFormatByContent(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		file, name string
		kind       string
	}{
		{"stats_template.xls", "统计表.et", KindStats},         // WPS .et is BIFF8
		{"stats_template.xlsx", "统计表.xls", KindStats},       // an .xlsx saved under .xls
		{"stats_template.xlsx", "统计表.et", KindStats},        // newer WPS .et is OOXML
		{"stats_word.docx", "统计表.xlsx", KindStats},          // a Word file under .xlsx
		{"recommend_2026.xls", "推荐表", KindRecommend},        // no extension
		{"recommend_2026.ods", "推荐表.xlsx", KindRecommend},   // an .ods under .xlsx
		{"stats_template.ods", "统计表", KindStats},            // an .ods without extension
		{"recommend_2026.csv", "推荐表.xls", KindRecommend},    // CSV saved as .xls
		{"recommend_2026_gbk.csv", "推荐表.et", KindRecommend}, // GBK CSV saved as .et
	}
	for _, tt := range tests {
		res, fl := ParseFile(ctx, filepath.Join("testdata", tt.file), tt.name, Options{})
		if res.Kind != tt.kind {
			t.Errorf("%s as %s: kind %q, findings %v", tt.file, tt.name, res.Kind, fl)
		}
	}
}
