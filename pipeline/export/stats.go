package export

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"

	"github.com/shoubao/shoubao/parsers/sheets"
	"github.com/shoubao/shoubao/pipeline/rules"
)

// Sheets of the 统计汇总表.
const (
	// SheetUpward is the sum in the template's own layout (附件 1 of the
	// 2024 notice): the table sent one level up, which that level's
	// shoubao reads as one unit's table.
	SheetUpward = "汇总表"
	// SheetByUnit has one column per unit, in roster order, then 合计.
	SheetByUnit = "分单位统计"
	// SheetSources lists each unit's table: file, arrival, problems.
	SheetSources = "数据来源"
)

// Rows of the 分单位统计 sheet: title, subtitle, header, then the fields.
const byUnitFirstRow = 4

// valueClass is how a unit's value is shown.
type valueClass int

const (
	valueNone       valueClass = iota // absent, or not filled (blank, 无, /)
	valuePlain                        // a number as typed
	valueConverted                    // read for sure from words or units (3万, 十二, 12篇): a comment
	valueEstimate                     // an estimate (约500) counted as written: fill and comment
	valueUnreadable                   // text that is not a number: fill and comment, not summed
)

// estimateWords mark an estimate.
var estimateWords = []string{"约", "大概", "左右", "余", "多", "以上", "近", "超过", "逾", "≈", "~", "+", "不少于"}

// classify says how value v of a row in unit is shown.
func classify(v sheets.Value, unit string) valueClass {
	raw := strings.TrimSpace(v.Raw)
	if v.Value == nil {
		if _, filled := sheets.ReadValue(raw, unit); raw == "" || filled {
			return valueNone
		}
		return valueUnreadable
	}
	folded := strings.ReplaceAll(strings.Join(strings.Fields(norm.NFKC.String(raw)), ""), ",", "")
	for _, w := range estimateWords {
		if strings.Contains(folded, w) {
			return valueEstimate
		}
	}
	if f, err := strconv.ParseFloat(folded, 64); err == nil && math.Abs(f-*v.Value) < 1e-9 {
		return valuePlain
	}
	return valueConverted
}

// number formats a value as an officer reads it: 3, 0.5, 1200.
func number(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// fieldLabel is a row's label with its unit of measure, as the template
// writes it for a top-level row; groupLabel a group's.
func fieldLabel(f sheets.Field) string {
	if f.Group != "" {
		return f.Label
	}
	return f.Label + "（单位：" + f.Unit + "）"
}

func groupLabel(f sheets.Field) string { return f.Group + "（单位：" + f.Unit + "）" }

// WriteStats writes the 统计汇总表: the sum in the template's layout
// (SheetUpward), the units side by side with 合计 (SheetByUnit), and where
// each unit's table came from (SheetSources). Blank stays blank; an
// unreadable value is copied as text with an orange fill, an estimate is
// counted with a yellow fill, and both carry a comment naming the file and
// the raw text. 合计 is a formula over the unit columns whose stored result
// is sheets.MergeStats of the units' tables.
func WriteStats(w io.Writer, c *Campaign) error {
	b := newBook()
	b.sheet(true, SheetUpward)
	b.sheet(false, SheetByUnit)
	b.sheet(false, SheetSources)
	b.active(1)
	fields := sheets.StatsFields()
	var tables []*sheets.Stats
	for _, u := range c.Units {
		if u.Stats != nil {
			tables = append(tables, u.Stats.Stats)
		}
	}
	sum := sheets.MergeStats(tables)
	title := c.State.Campaign.Title + "开展情况统计表"
	totalCol := 3 + len(c.Units)
	writeByUnit(b, c, fields, sum, title, totalCol)
	writeUpward(b, c, fields, sum, title, totalCol)
	writeSources(b, c)
	return b.write(w)
}

func writeByUnit(b *book, c *Campaign, fields []sheets.Field, sum *sheets.Stats, title string, totalCol int) {
	// Page setup first: the stream writer writes the sheet properties
	// when it opens.
	b.print(SheetByUnit, true, len(c.Units) <= 12, "$3:$3", "$A:$B")
	sw := b.stream(SheetByUnit)
	if sw == nil {
		return
	}
	last := byUnitFirstRow + len(fields) - 1
	b.check(sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: 2, YSplit: byUnitFirstRow - 1, TopLeftCell: cell(3, byUnitFirstRow), ActivePane: "bottomRight"}))
	b.check(sw.SetColWidth(1, 1, 16))
	b.check(sw.SetColWidth(2, 2, 30))
	b.check(sw.SetColWidth(3, totalCol, 13))
	row := func(r int, values []any, opts ...excelize.RowOpts) { b.check(sw.SetRow(cell(1, r), values, opts...)) }

	row(1, []any{excelize.Cell{StyleID: b.title, Value: title + "（分单位）"}}, excelize.RowOpts{Height: 30})
	b.check(sw.MergeCell(cell(1, 1), cell(totalCol, 1)))
	with := 0
	for _, u := range c.Units {
		if u.Stats != nil {
			with++
		}
	}
	sheetWidth := 16 + 30 + 13*float64(len(c.Units)+1)
	subtitle := fmt.Sprintf("截至 %s（北京时间）；应报 %d 个单位，%d 个单位的统计表计入汇总；数值取自各单位最终报送的统计表（更正、补充后以最新一份为准），来源见“%s”表",
		clock(c.State.GeneratedAt), len(c.Units), with, SheetSources)
	row(2, []any{excelize.Cell{StyleID: b.subtitle, Value: subtitle}}, excelize.RowOpts{Height: fitHeight([]string{subtitle}, []float64{sheetWidth}, 18)})
	b.check(sw.MergeCell(cell(1, 2), cell(totalCol, 2)))

	header := []any{excelize.Cell{StyleID: b.header, Value: "项目"}, excelize.Cell{StyleID: b.header}}
	for _, u := range c.Units {
		header = append(header, excelize.Cell{StyleID: b.header, Value: u.State.Name})
	}
	header = append(header, excelize.Cell{StyleID: b.header, Value: "合计"})
	row(3, header, excelize.RowOpts{Height: 48})
	b.check(sw.MergeCell(cell(1, 3), cell(2, 3)))

	var comments []excelize.Comment
	for i, f := range fields {
		r := byUnitFirstRow + i
		values := make([]any, totalCol)
		if f.Group == "" {
			values[0] = excelize.Cell{StyleID: b.label, Value: fieldLabel(f)}
			values[1] = excelize.Cell{StyleID: b.label}
		} else {
			values[0] = excelize.Cell{StyleID: b.group}
			if i == 0 || fields[i-1].Group != f.Group {
				values[0] = excelize.Cell{StyleID: b.group, Value: groupLabel(f)}
			}
			values[1] = excelize.Cell{StyleID: b.label, Value: fieldLabel(f)}
		}
		for k, u := range c.Units {
			col := 3 + k
			if u.Stats == nil {
				v := excelize.Cell{StyleID: b.missing}
				if i == 0 {
					v.Value = "未报送"
					if u.StatsUnreadable {
						v.Value = "无法读取"
					}
				}
				values[col-1] = v
				continue
			}
			v := u.Stats.Stats.Fields[f.Label]
			switch classify(v, f.Unit) {
			case valueNone:
				values[col-1] = excelize.Cell{StyleID: b.number}
			case valuePlain:
				values[col-1] = excelize.Cell{StyleID: b.number, Value: *v.Value}
			case valueConverted:
				values[col-1] = excelize.Cell{StyleID: b.number, Value: *v.Value}
				comments = append(comments, note(cell(col, r), u.Stats.File, v.Raw, "按 "+number(*v.Value)+" "+f.Unit+"计入"))
			case valueEstimate:
				values[col-1] = excelize.Cell{StyleID: b.estimate, Value: *v.Value}
				comments = append(comments, note(cell(col, r), u.Stats.File, v.Raw, "为约数，按 "+number(*v.Value)+" "+f.Unit+"计入"))
			case valueUnreadable:
				values[col-1] = excelize.Cell{StyleID: b.unreadable, Value: strings.TrimSpace(v.Raw)}
				comments = append(comments, note(cell(col, r), u.Stats.File, v.Raw, "无法识别为数字，未计入合计"))
			}
		}
		total := excelize.Cell{StyleID: b.total, Value: ""}
		if s := sum.Fields[f.Label].Value; s != nil {
			total.Value = *s
		}
		if len(c.Units) > 0 {
			total.Formula = fmt.Sprintf(`IF(COUNT(%[1]s%[3]d:%[2]s%[3]d)=0,"",SUM(%[1]s%[3]d:%[2]s%[3]d))`, colName(3), colName(totalCol-1), r)
		}
		values[totalCol-1] = total
		row(r, values, excelize.RowOpts{Height: labelHeight(f, 16, 30)})
	}
	// Group cells over their rows; top-level labels over both columns;
	// the 未报送 mark over a unit's whole column.
	mergeGroups(b, sw, fields, byUnitFirstRow)
	for k, u := range c.Units {
		if u.Stats == nil && len(fields) > 1 {
			b.check(sw.MergeCell(cell(3+k, byUnitFirstRow), cell(3+k, last)))
		}
	}
	r := last + 2
	for _, line := range []string{
		"注：1. 各单位数值取自其最终报送的统计表（更正邮件取代此前报送的材料；同一单位报送多份统计表时，以最新一份为准）。",
		"2. 空白为未填写（空白、无、/ 等）；“未报送”列为该单位没有可用的统计表，“无法读取”为统计表无法识别。",
		"3. 橙色：原文无法识别为数字，照录原文，未计入合计；黄色：原文为约数（如“约500”），按所写数字计入；有批注的单元格，批注中为原文和来源文件。",
		"4. 合计为各单位数值之和；各单位均未填写的项目，合计为空。",
	} {
		row(r, []any{excelize.Cell{StyleID: b.note, Value: line}}, excelize.RowOpts{Height: fitHeight([]string{line}, []float64{sheetWidth}, 18)})
		b.check(sw.MergeCell(cell(1, r), cell(totalCol, r)))
		r++
	}
	for _, cm := range comments {
		b.check(b.f.AddComment(SheetByUnit, cm))
	}
	b.check(sw.Flush())
}

// labelHeight is the height of a field's row whose labels sit in columns
// of widths a (group) and b (label).
func labelHeight(f sheets.Field, a, b float64) float64 {
	if f.Group == "" {
		return fitHeight([]string{fieldLabel(f)}, []float64{a + b}, 22)
	}
	return fitHeight([]string{"", fieldLabel(f)}, []float64{a, b}, 22)
}

// note is a cell comment naming the file and the raw text.
func note(ref, file, raw, what string) excelize.Comment {
	return excelize.Comment{Cell: ref, Author: "shoubao", Width: 260, Height: 90,
		Text: fmt.Sprintf("原文：%s\n%s\n文件：%s", strings.TrimSpace(raw), what, file)}
}

func writeUpward(b *book, c *Campaign, fields []sheets.Field, sum *sheets.Stats, title string, totalCol int) {
	// Page setup first: the stream writer writes the sheet properties
	// when it opens.
	b.print(SheetUpward, false, true, "", "")
	sw := b.stream(SheetUpward)
	if sw == nil {
		return
	}
	b.check(sw.SetColWidth(1, 1, 18))
	b.check(sw.SetColWidth(2, 2, 40))
	b.check(sw.SetColWidth(3, 3, 18))
	row := func(r int, values []any, opts ...excelize.RowOpts) { b.check(sw.SetRow(cell(1, r), values, opts...)) }
	row(1, []any{excelize.Cell{StyleID: b.title, Value: title}}, excelize.RowOpts{Height: 36})
	b.check(sw.MergeCell("A1", "C1"))
	row(2, []any{excelize.Cell{StyleID: b.subtitle, Value: "部门/地方（盖章）：" + c.Office}}, excelize.RowOpts{Height: 24})
	b.check(sw.MergeCell("A2", "C2"))
	const first = 3
	for i, f := range fields {
		r := first + i
		values := make([]any, 3)
		if f.Group == "" {
			values[0] = excelize.Cell{StyleID: b.label, Value: fieldLabel(f)}
			values[1] = excelize.Cell{StyleID: b.label}
		} else {
			values[0] = excelize.Cell{StyleID: b.group}
			if i == 0 || fields[i-1].Group != f.Group {
				values[0] = excelize.Cell{StyleID: b.group, Value: groupLabel(f)}
			}
			values[1] = excelize.Cell{StyleID: b.label, Value: fieldLabel(f)}
		}
		total := excelize.Cell{StyleID: b.total, Value: ""}
		if s := sum.Fields[f.Label].Value; s != nil {
			total.Value = *s
		}
		total.Formula = fmt.Sprintf("'%s'!%s", SheetByUnit, cell(totalCol, byUnitFirstRow+i))
		values[2] = total
		row(r, values, excelize.RowOpts{Height: labelHeight(f, 18, 40)})
	}
	mergeGroups(b, sw, fields, first)
	r := first + len(fields) + 1
	row(r, []any{excelize.Cell{StyleID: b.note, Value: fmt.Sprintf("注：本表为 %d 个单位统计表的合计，分单位数值见“%s”表，来源见“%s”表。", countStats(c), SheetByUnit, SheetSources)}})
	b.check(sw.MergeCell(cell(1, r), cell(3, r)))
	b.check(sw.Flush())
}

func countStats(c *Campaign) int {
	n := 0
	for _, u := range c.Units {
		if u.Stats != nil {
			n++
		}
	}
	return n
}

func writeSources(b *book, c *Campaign) {
	// Page setup first: the stream writer writes the sheet properties
	// when it opens.
	b.print(SheetSources, true, true, "$2:$2", "")
	sw := b.stream(SheetSources)
	if sw == nil {
		return
	}
	widths := []float64{6, 22, 10, 10, 30, 30, 17, 60}
	for i, wd := range widths {
		b.check(sw.SetColWidth(i+1, i+1, wd))
	}
	b.check(sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"}))
	row := func(r int, values []any, opts ...excelize.RowOpts) { b.check(sw.SetRow(cell(1, r), values, opts...)) }
	row(1, []any{excelize.Cell{StyleID: b.title, Value: "统计表来源"}}, excelize.RowOpts{Height: 28})
	b.check(sw.MergeCell("A1", cell(len(widths), 1)))
	var header []any
	for _, h := range []string{"序号", "单位", "报送状态", "统计表", "来源文件", "来信主题", "收到时间（北京时间）", "问题与说明"} {
		header = append(header, excelize.Cell{StyleID: b.header, Value: h})
	}
	row(2, header)
	r := 3
	for i, u := range c.Units {
		state, file, subject, at := "未报送", "", "", ""
		var notes []string
		if u.StatsUnreadable {
			state = "无法读取"
		}
		if u.Stats != nil {
			state, file, subject, at = "已计入", u.Stats.File, u.Stats.Subject, clock(u.Stats.Arrival)
			notes = append(notes, valueNotes(u.Stats)...)
			notes = append(notes, u.Stats.Problems...)
		}
		notes = append(notes, u.Notes...)
		height := fitHeight([]string{"", u.State.Name, "", "", file, subject, "", strings.Join(notes, "\n")}, widths, 20)
		row(r, []any{
			excelize.Cell{StyleID: b.text, Value: i + 1},
			excelize.Cell{StyleID: b.textWrap, Value: u.State.Name},
			excelize.Cell{StyleID: b.textWrap, Value: rules.StatusLabel(u.State.Status)},
			excelize.Cell{StyleID: b.textWrap, Value: state},
			excelize.Cell{StyleID: b.textWrap, Value: file},
			excelize.Cell{StyleID: b.textWrap, Value: subject},
			excelize.Cell{StyleID: b.textWrap, Value: at},
			excelize.Cell{StyleID: b.textWrap, Value: strings.Join(notes, "\n")},
		}, excelize.RowOpts{Height: height})
		r++
	}
	r++
	if c.UnmatchedStats > 0 {
		row(r, []any{excelize.Cell{StyleID: b.note, Value: fmt.Sprintf("注：另有 %d 份统计表在未能确定报送单位的来信中，未计入汇总；确认单位后（shoubao decide assign），重新导出即可计入。", c.UnmatchedStats)}})
		b.check(sw.MergeCell(cell(1, r), cell(len(widths), r)))
	}
	b.check(sw.Flush())
}

// valueNotes lists a table's values that are not plain numbers.
func valueNotes(t *StatsTable) []string {
	var out []string
	for _, f := range sheets.StatsFields() {
		v := t.Stats.Fields[f.Label]
		switch classify(v, f.Unit) {
		case valueUnreadable:
			out = append(out, fmt.Sprintf("“%s”原文“%s”无法识别为数字，未计入合计", f.Label, strings.TrimSpace(v.Raw)))
		case valueEstimate:
			out = append(out, fmt.Sprintf("“%s”原文“%s”为约数，按 %s %s计入", f.Label, strings.TrimSpace(v.Raw), number(*v.Value), f.Unit))
		}
	}
	return out
}

// mergeGroups merges, for fields laid out one a row from row first, each
// group's label over its rows and each top-level label over both label
// columns.
func mergeGroups(b *book, sw *excelize.StreamWriter, fields []sheets.Field, first int) {
	for i := 0; i < len(fields); {
		j := i
		for j+1 < len(fields) && fields[j+1].Group == fields[i].Group && fields[i].Group != "" {
			j++
		}
		if fields[i].Group == "" {
			b.check(sw.MergeCell(cell(1, first+i), cell(2, first+i)))
		} else if j > i {
			b.check(sw.MergeCell(cell(1, first+i), cell(1, first+j)))
		}
		i = j + 1
	}
}
