package export

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"
)

// The recommendation list's template columns: the 2026 notice's and the
// 2024 notice's.
var (
	Layout2026 = []string{"序号", "活动名称", "活动内容简介", "举办时间", "举办地点", "承办单位", "依托基地", "推荐单位", "联系人", "联系电话"}
	Layout2024 = []string{"序号", "推荐活动", "举办单位", "推荐单位"}
)

// SheetRecommend is the 推荐活动汇总表's sheet.
const SheetRecommend = "推荐活动"

// Columns the export adds after the template's.
const (
	ColSourceUnit = "来源单位"
	ColSourceFile = "来源文件"
)

// across names the same column in the other layout.
var across = map[string]string{"推荐活动": "活动名称", "活动名称": "推荐活动", "举办单位": "承办单位", "承办单位": "举办单位"}

// widths of the known columns, in characters.
// Together about 200 units: A4 landscape, one page wide, at about 70%.
var widths = map[string]float64{
	"序号": 6, "活动名称": 22, "推荐活动": 28, "活动内容简介": 44, "举办时间": 12, "举办地点": 16, "承办单位": 18,
	"举办单位": 22, "依托基地": 18, "推荐单位": 16, "联系人": 8, "联系电话": 14, ColSourceUnit: 14, ColSourceFile: 18,
}

// RecommendLayout returns the columns of the merged list: the template
// layout the most rows were written in (2026 on a tie or without rows),
// then the other columns the lists have, in order of first appearance.
func RecommendLayout(c *Campaign) []string {
	n2026, n2024 := 0, 0
	for _, u := range c.Units {
		if u.List == nil {
			continue
		}
		if is2024(u.List.List.Columns) {
			n2024 += len(u.List.List.Rows)
		} else {
			n2026 += len(u.List.List.Rows)
		}
	}
	cols := slices.Clone(Layout2026)
	if n2024 > n2026 {
		cols = slices.Clone(Layout2024)
	}
	for _, u := range c.Units {
		if u.List == nil {
			continue
		}
		for _, col := range u.List.List.Columns {
			if slices.Contains(cols, col) || slices.Contains(cols, across[col]) && !slices.Contains(u.List.List.Columns, across[col]) {
				continue
			}
			if col == ColSourceUnit || col == ColSourceFile {
				continue
			}
			cols = append(cols, col)
		}
	}
	return cols
}

// is2024 reports whether a list's columns are more the 2024 template's
// than the 2026 one's.
func is2024(cols []string) bool {
	n26, n24 := 0, 0
	for _, c := range cols {
		if slices.Contains(Layout2026, c) && !slices.Contains(Layout2024, c) {
			n26++
		}
		if slices.Contains(Layout2024, c) && !slices.Contains(Layout2026, c) {
			n24++
		}
	}
	return n24 > n26
}

// isPhone reports whether a column holds phone numbers (kept as text).
func isPhone(col string) bool {
	return strings.Contains(col, "电话") || strings.Contains(col, "手机") || strings.Contains(col, "联系方式")
}

// WriteRecommend writes the 推荐活动汇总表: every unit's rows, in roster
// order, under the layout RecommendLayout chooses, 序号 renumbered, with the
// unit and file each row came from. Phone numbers are text (leading zeros
// kept), long text wraps, rows are as high as their text, and the sheet
// prints on A4 landscape with the header row on every page. The rows are
// written into w as they are made (writePackage), so a long list costs
// no more memory than a short one.
func WriteRecommend(w io.Writer, c *Campaign) error {
	b := newBook()
	b.sheet(true, SheetRecommend)
	cols := append(RecommendLayout(c), ColSourceUnit, ColSourceFile)
	b.print(SheetRecommend, true, true, "$2:$2", "")
	sw := b.stream(SheetRecommend)
	if sw == nil {
		return b.write(w)
	}
	colWidths := make([]float64, len(cols))
	for i, col := range cols {
		wd, ok := widths[col]
		if !ok {
			wd = 16
		}
		colWidths[i] = wd
		b.check(sw.SetColWidth(i+1, i+1, wd))
	}
	b.check(sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"}))
	title := c.State.Campaign.Title + "特色活动推荐汇总表"
	b.check(sw.SetRow("A1", []any{excelize.Cell{StyleID: b.title, Value: title}}, excelize.RowOpts{Height: 32}))
	b.check(sw.MergeCell("A1", cell(len(cols), 1)))
	header := make([]any, len(cols))
	for i, col := range cols {
		header[i] = excelize.Cell{StyleID: b.header, Value: col}
	}
	b.check(sw.SetRow("A2", header, excelize.RowOpts{Height: 24}))
	if recommendRows(c) == 0 {
		b.check(sw.SetRow("A3", []any{excelize.Cell{StyleID: b.note, Value: "没有单位报送推荐表。"}}))
		b.check(sw.MergeCell("A3", cell(len(cols), 3)))
	}
	b.check(sw.Flush())

	styles := make([]int, len(cols))
	for i, col := range cols {
		styles[i] = b.textWrap
		if isPhone(col) {
			styles[i] = b.phone
		}
	}
	err := b.writeRows(w, len(cols), func(s *sheetRows) {
		r, n := 3, 0
		texts := make([]string, len(cols))
		for _, u := range c.Units {
			if u.List == nil {
				continue
			}
			has := map[string]bool{}
			for _, col := range u.List.List.Columns {
				has[col] = true
			}
			for _, row := range u.List.List.Rows {
				n++
				for i, col := range cols {
					switch {
					case col == "序号":
						texts[i] = ""
					case col == ColSourceUnit:
						texts[i] = u.State.Name
					case col == ColSourceFile:
						texts[i] = u.List.File
					case has[col]:
						texts[i] = row[col]
					case across[col] != "" && has[across[col]]:
						texts[i] = row[across[col]]
					default:
						texts[i] = ""
					}
				}
				s.start(r, fitHeight(texts, colWidths, 20))
				for i, col := range cols {
					if col == "序号" {
						s.int(i, styles[i], n)
					} else {
						s.text(i, styles[i], texts[i])
					}
				}
				s.end()
				r++
			}
		}
	})
	if err != nil {
		return fmt.Errorf("recommendation list: %w", err)
	}
	return nil
}

// recommendRows counts the rows of the units' lists.
func recommendRows(c *Campaign) int {
	n := 0
	for _, u := range c.Units {
		if u.List != nil {
			n += len(u.List.List.Rows)
		}
	}
	return n
}
