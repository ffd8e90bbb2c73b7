package export

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/shoubao/shoubao/parsers/sheets"
	"github.com/shoubao/shoubao/pipeline/rules"
)

// TestRecommendExportText: the rows written by hand (sheetxml.go) read
// back as the text the units wrote, in excelize and in LibreOffice:
// markup characters, spaces at the ends, newlines, tabs, text that looks
// like an OOXML escape, characters XML cannot hold, characters outside
// the BMP, and text past a cell's 32,767 characters.
func TestRecommendExportText(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("长", maxCellChars-1)
	// lo is what LibreOffice shows when it differs from want.
	cases := []struct{ name, text, want, lo string }{
		{"markup", `a&b<c>"d'e&amp;`, `a&b<c>"d'e&amp;`, ""},
		{"spaces", "  前后有空格 ", "  前后有空格 ", ""},
		{"newline", "第一行\n第二行\n", "第一行\n第二行\n", ""},
		{"tab", "甲\t乙", "甲\t乙", ""},
		{"crlf", "甲\r\n乙", "甲\r\n乙", "甲\n乙"},
		{"escape", "_x0041_", "_x0041_", ""},
		{"escaped escape", "_x005F_x0041_", "_x005F_x0041_", ""},
		{"escapes sharing an underscore", "_x0041_x0042_", "_x0041_x0042_", ""},
		{"not an escape", "a_x00zz_b_x12345_", "a_x00zz_b_x12345_", ""},
		{"short escapes (LibreOffice)", "_xA_x12_1_x1_", "_xA_x12_1_x1_", ""},
		{"control", "响铃\x07与\x00", "响铃\uFFFD与\uFFFD", ""},
		{"invalid UTF-8", "\xff乱码\xfe", "\uFFFD乱码\uFFFD", ""},
		{"astral", "笑脸😀𠀀", "笑脸😀𠀀", ""},
		{"too long", long + "😀尾", long, ""},
		{"empty", "", "", ""},
	}
	st := &rules.State{Campaign: rules.CampaignInfo{ID: "t", Title: "测试"}, GeneratedAt: time.Now(),
		Units: []rules.UnitState{{Name: "某单位"}}}
	l := &sheets.Recommend{Columns: Layout2026}
	for i, tc := range cases {
		l.Rows = append(l.Rows, map[string]string{"活动名称": tc.name, "活动内容简介": tc.text, "联系电话": phone(i)})
	}
	c := &Campaign{State: st, Units: []Unit{{State: &st.Units[0], List: &List{Origin: Origin{File: "推荐表.xlsx"}, List: l}}}}
	path := writeFile(t, t.TempDir(), "r.xlsx", func(f *os.File) error { return WriteRecommend(f, c) })

	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(SheetRecommend, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	intro := 3 // 活动内容简介
	for i, tc := range cases {
		if got := cellAt(rows, i+3, intro); got != tc.want {
			t.Errorf("excelize, %s: %q, want %q", tc.name, short(got), short(tc.want))
		}
		if got := cellAt(rows, i+3, 1); got != strconv.Itoa(i+1) {
			t.Errorf("excelize, %s: 序号 %q", tc.name, got)
		}
		if got := cellAt(rows, i+3, 10); got != phone(i) {
			t.Errorf("excelize, %s: phone %q", tc.name, got)
		}
	}
	lo := libreOffice(t, path, false)[SheetRecommend]
	for i, tc := range cases {
		want := tc.want
		if tc.lo != "" {
			want = tc.lo
		}
		if got := cellAt(lo, i+3, intro); got != want {
			t.Errorf("LibreOffice, %s: %q, want %q", tc.name, short(got), short(want))
		}
		if got := cellAt(lo, i+3, 10); got != phone(i) {
			t.Errorf("LibreOffice, %s: phone %q", tc.name, got)
		}
	}
}

func phone(i int) string { return fmt.Sprintf("0356-26332%02d", i) }

func short(s string) string {
	if len(s) > 80 {
		return s[:40] + "…" + s[len(s)-40:]
	}
	return s
}

// TestRecommendSheetAsExcelize: the sheet written by hand is, byte for
// byte, the one excelize's StreamWriter writes for the same rows (the
// benchmark's reference), markup and newlines included.
func TestRecommendSheetAsExcelize(t *testing.T) {
	t.Parallel()
	c := bigList(200)
	row := c.Units[3].List.List.Rows[2]
	row["活动名称"] = ` <科普&"实践"> `
	row["举办地点"] = "第一处\n第二处\t（室内）"
	sheet := func(write func(io.Writer, *Campaign) error) []byte {
		var b bytes.Buffer
		if err := write(&b, c); err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
		if err != nil {
			t.Fatal(err)
		}
		rc, err := zr.Open(firstSheet)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		data, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	got, want := sheet(WriteRecommend), sheet(excelizeRecommend)
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Errorf("the sheets differ at byte %d of %d/%d:\n%q\n%q", i, len(got), len(want),
			got[max(0, i-80):min(len(got), i+80)], want[max(0, i-80):min(len(want), i+80)])
	}
	if n := bytes.Count(got, []byte("<row ")); n != 202 {
		t.Errorf("%d rows", n)
	}
}
