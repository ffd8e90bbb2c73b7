package export

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/report"
	"github.com/shoubao/shoubao/pipeline/rules"
)

// Sheets of the 报送情况一览表.
const (
	SheetList    = "报送情况"
	SheetFiles   = "材料文件"
	SheetPending = "待处理来信"
)

// ListColumns are the 报送情况 sheet's columns.
var ListColumns = []string{"序号", "单位", "状态", "首次收到", "报齐时间", "已收材料", "缺少", "问题"}

var statusColor = map[string]string{
	rules.CompleteOnTime: "C6EFCE", rules.CompleteLate: "FFEB9C", rules.Incomplete: "F8CBAD", rules.NotSubmitted: "E7E6E6",
}

// WriteList writes the 报送情况一览表: the report's unit table (the same
// content as `shoubao report`'s text), the material files and where they
// sit in the zip, and the mail awaiting an officer.
func WriteList(w io.Writer, c *Campaign) error { return writeList(w, c, nil) }

// writeList is WriteList; failed notes the files that could not be put
// into the zip (path → why).
func writeList(w io.Writer, c *Campaign, failed map[string]string) error {
	b := newBook()
	b.sheet(true, SheetList)
	b.sheet(false, SheetFiles)
	b.sheet(false, SheetPending)
	status := map[string]int{}
	for s, color := range statusColor {
		id, err := b.f.NewStyle(&excelize.Style{Font: &excelize.Font{Family: "宋体", Size: 11},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "top", WrapText: true},
			Border: []excelize.Border{{Type: "left", Color: "808080", Style: 1}, {Type: "right", Color: "808080", Style: 1},
				{Type: "top", Color: "808080", Style: 1}, {Type: "bottom", Color: "808080", Style: 1}},
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}}})
		b.check(err)
		status[s] = id
	}
	writeUnits(b, c, status)
	writeFiles(b, c, failed)
	writePending(b, c)
	return b.write(w)
}

// table writes a titled table into a new stream: title, a line under it,
// the header, then rows; widths per column. It returns the next free row
// and the stream writer, nil on error.
func (b *book) table(name, title, line string, cols []string, widths []float64) (*excelize.StreamWriter, int) {
	b.print(name, true, true, "$3:$3", "")
	sw := b.stream(name)
	if sw == nil {
		return nil, 0
	}
	for i, wd := range widths {
		b.check(sw.SetColWidth(i+1, i+1, wd))
	}
	b.check(sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 3, TopLeftCell: "A4", ActivePane: "bottomLeft"}))
	b.check(sw.SetRow("A1", []any{excelize.Cell{StyleID: b.title, Value: title}}, excelize.RowOpts{Height: 30}))
	b.check(sw.MergeCell("A1", cell(len(cols), 1)))
	b.check(sw.SetRow("A2", []any{excelize.Cell{StyleID: b.subtitle, Value: line}}, excelize.RowOpts{Height: 36}))
	b.check(sw.MergeCell("A2", cell(len(cols), 2)))
	header := make([]any, len(cols))
	for i, c := range cols {
		header[i] = excelize.Cell{StyleID: b.header, Value: c}
	}
	b.check(sw.SetRow("A3", header, excelize.RowOpts{Height: 22}))
	return sw, 4
}

// Summary is the report's headline, as `shoubao report` prints it.
func Summary(st *rules.State) string {
	c, n := st.Campaign, st.Counts
	var s strings.Builder
	if c.NoticeNumber != "" {
		s.WriteString(c.NoticeNumber + "；")
	}
	if !c.Deadline.IsZero() {
		s.WriteString("截止时间：" + clock(c.Deadline.Add(-time.Second)) + "（北京时间）")
		if c.Delivery == campaign.DeliveryEach {
			fmt.Fprintf(&s, "，分别报送至 %d 个邮箱", len(c.Mailboxes))
		}
		s.WriteString("；")
	}
	fmt.Fprintf(&s, "应报材料：%s\n", report.MaterialNames(c.Materials))
	fmt.Fprintf(&s, "应报 %d 个单位：已报 %d（按时报齐 %d，逾期报齐 %d，材料不全 %d），未报 %d；有问题 %d；共收到邮件 %d 封；统计至 %s",
		n.Expected, n.Submitted, n.OnTime, n.Late, n.Incomplete, n.NotSubmitted, n.WithProblems, n.Messages, clock(st.GeneratedAt))
	return s.String()
}

// UnitRow is a unit's row of the 报送情况 sheet, in ListColumns order
// (without 序号).
func UnitRow(u *rules.UnitState) []string {
	state := rules.StatusLabel(u.Status)
	if u.Extended {
		state += "（已延期至 " + clock(u.Deadline.Add(-time.Second)) + "）"
	}
	missing := ""
	if u.Status != rules.NotSubmitted && len(u.Missing) > 0 {
		missing = report.MaterialNames(u.Missing)
	}
	var problems []string
	for _, p := range u.Problems {
		if p.Accepted {
			continue
		}
		if p.File != "" {
			problems = append(problems, p.File+" — "+p.Message)
		} else {
			problems = append(problems, p.Message)
		}
	}
	return []string{u.Name, state, clock(u.FirstArrival), clock(u.CompletedAt), report.Received(*u), missing, strings.Join(problems, "\n")}
}

func writeUnits(b *book, c *Campaign, status map[string]int) {
	widths := []float64{6, 24, 12, 17, 17, 30, 18, 64}
	sw, r := b.table(SheetList, c.State.Campaign.Title+"报送情况一览表", Summary(c.State), ListColumns, widths)
	if sw == nil {
		return
	}
	for i, u := range c.Units {
		vals := UnitRow(u.State)
		row := []any{excelize.Cell{StyleID: b.text, Value: i + 1}}
		for k, v := range vals {
			style := b.textWrap
			if k == 1 {
				style = status[u.State.Status]
			}
			row = append(row, excelize.Cell{StyleID: style, Value: v})
		}
		b.check(sw.SetRow(cell(1, r), row, excelize.RowOpts{Height: fitHeight(append([]string{""}, vals...), widths, 20)}))
		r++
	}
	b.check(sw.Flush())
}

// kindLabel names a file kind in Chinese.
func kindLabel(kind string) string {
	if l, ok := map[string]string{"report": "活动总结报告", "stats_table": "统计表", "recommend_table": "推荐表",
		"video": "视频", "photo": "照片"}[kind]; ok {
		return l
	}
	return kind
}

func writeFiles(b *book, c *Campaign, failed map[string]string) {
	cols := []string{"序号", "单位", "文件", "类型", "大小", "收到时间", "来信主题", "压缩包中的位置", "说明"}
	widths := []float64{6, 22, 30, 12, 10, 17, 28, 36, 30}
	sw, r := b.table(SheetFiles, "报送材料文件", "各单位最终采用的材料文件（更正后的；同一文件只列一次）。压缩包“报送材料”中每个单位一个文件夹；文件名中的不安全字符已替换。", cols, widths)
	if sw == nil {
		return
	}
	n := 0
	for _, u := range c.Units {
		for _, f := range u.Files {
			n++
			why := failed[f.Path]
			if why == "" && SafeName(f.File) != f.File {
				why = "原文件名：" + f.File
			}
			b.check(sw.SetRow(cell(1, r), []any{
				excelize.Cell{StyleID: b.text, Value: n}, excelize.Cell{StyleID: b.textWrap, Value: u.State.Name},
				excelize.Cell{StyleID: b.textWrap, Value: f.File}, excelize.Cell{StyleID: b.textWrap, Value: kindLabel(f.Kind)},
				excelize.Cell{StyleID: b.textWrap, Value: size(f.Size)}, excelize.Cell{StyleID: b.textWrap, Value: clock(f.Arrival)},
				excelize.Cell{StyleID: b.textWrap, Value: f.Subject}, excelize.Cell{StyleID: b.textWrap, Value: f.Path},
				excelize.Cell{StyleID: b.textWrap, Value: why},
			}, excelize.RowOpts{Height: fitHeight([]string{"", u.State.Name, f.File, "", "", "", f.Subject, f.Path, why}, widths, 20)}))
			r++
		}
		for _, l := range u.Links {
			n++
			why := "超大附件链接，未下载；链接见" + u.Folder + "/" + linksFile
			if l.Expires != "" {
				why += "；到期：" + l.Expires
			}
			b.check(sw.SetRow(cell(1, r), []any{
				excelize.Cell{StyleID: b.text, Value: n}, excelize.Cell{StyleID: b.textWrap, Value: u.State.Name},
				excelize.Cell{StyleID: b.textWrap, Value: linkLabel(l)}, excelize.Cell{StyleID: b.textWrap, Value: "链接"},
				excelize.Cell{StyleID: b.textWrap}, excelize.Cell{StyleID: b.textWrap}, excelize.Cell{StyleID: b.textWrap},
				excelize.Cell{StyleID: b.textWrap, Value: l.URL}, excelize.Cell{StyleID: b.textWrap, Value: why},
			}, excelize.RowOpts{Height: fitHeight([]string{"", u.State.Name, linkLabel(l), "", "", "", "", l.URL, why}, widths, 20)}))
			r++
		}
	}
	b.check(sw.Flush())
}

func linkLabel(l rules.Link) string {
	if l.Name != "" {
		return l.Name
	}
	return l.URL
}

// size formats a byte count for an officer.
func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func writePending(b *book, c *Campaign) {
	cols := []string{"序号", "类别", "收到时间", "发件人", "主题", "文件", "可能的单位"}
	widths := []float64{6, 14, 17, 28, 32, 36, 28}
	sw, r := b.table(SheetPending, "待处理来信", "未能确定报送单位的来信（请人工确认，可用 shoubao decide assign 指定单位）和待答复的来信。", cols, widths)
	if sw == nil {
		return
	}
	n := 0
	add := func(kind string, m rules.MessageState) {
		n++
		var files []string
		for _, f := range m.Files {
			files = append(files, f.Name)
		}
		if len(m.Links) > 0 {
			files = append(files, fmt.Sprintf("超大附件链接 %d 个", len(m.Links)))
		}
		b.check(sw.SetRow(cell(1, r), []any{
			excelize.Cell{StyleID: b.text, Value: n}, excelize.Cell{StyleID: b.textWrap, Value: kind},
			excelize.Cell{StyleID: b.textWrap, Value: clock(m.Arrival)}, excelize.Cell{StyleID: b.textWrap, Value: m.From},
			excelize.Cell{StyleID: b.textWrap, Value: m.Subject}, excelize.Cell{StyleID: b.textWrap, Value: strings.Join(files, "\n")},
			excelize.Cell{StyleID: b.textWrap, Value: strings.Join(m.Attribution.Candidates, "、")},
		}, excelize.RowOpts{Height: fitHeight([]string{"", kind, "", m.From, m.Subject, strings.Join(files, "\n"), strings.Join(m.Attribution.Candidates, "、")}, widths, 20)}))
		r++
	}
	for _, m := range c.State.Unmatched {
		add("未确定单位", m)
	}
	for _, m := range c.State.Inquiries {
		add("待答复", m)
	}
	if n == 0 {
		b.check(sw.SetRow(cell(1, r), []any{excelize.Cell{StyleID: b.note, Value: "无。"}}))
	}
	b.check(sw.Flush())
}
