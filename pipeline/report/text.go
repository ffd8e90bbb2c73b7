package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/text/width"

	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/rules"
)

// WriteText writes the state as a plain-text report for an officer, in
// Chinese and Beijing time, aligned for a terminal: the headline numbers,
// every unit with its status, what it sent and what is missing or wrong,
// then the mail no unit could be matched to, the questions awaiting an
// answer and the other mail.
func WriteText(w io.Writer, st *rules.State) error {
	tw := &errWriter{w: w}
	c := st.Campaign
	tw.printf("%s", c.Title)
	if c.NoticeNumber != "" {
		tw.printf("（%s）", c.NoticeNumber)
	}
	if !c.Deadline.IsZero() {
		tw.printf("\n截止时间：%s（北京时间）", clock(c.Deadline.Add(-time.Second), "2006年1月2日 15:04"))
	}
	if c.Delivery == campaign.DeliveryEach {
		tw.printf("，分别报送至 %d 个邮箱", len(c.Mailboxes))
	}
	tw.printf("\n应报材料：%s\n", materialList(c.Materials))
	n := st.Counts
	tw.printf("应报 %d 个单位：已报 %d（按时报齐 %d，逾期报齐 %d，材料不全 %d），未报 %d；有问题 %d；共收到邮件 %d 封\n\n",
		n.Expected, n.Submitted, n.OnTime, n.Late, n.Incomplete, n.NotSubmitted, n.WithProblems, n.Messages)

	nameWidth := 10
	for _, u := range st.Units {
		nameWidth = max(nameWidth, displayWidth(u.Name))
	}
	tw.printf("%s  %s  %s  %s\n", pad("单位", nameWidth), pad("状态", 10), pad("首次收到", 11), "已收材料")
	indent := pad("", nameWidth) + "    "
	for _, u := range st.Units {
		at := ""
		if !u.FirstArrival.IsZero() {
			at = clock(u.FirstArrival, "01-02 15:04")
		}
		tw.printf("%s  %s  %s  %s\n", pad(u.Name, nameWidth), pad(statusMark(u.Status), 10), pad(at, 11), receivedList(u))
		if u.Extended {
			tw.printf("%s已延期至：%s\n", indent, clock(u.Deadline.Add(-time.Second), "01-02 15:04"))
		}
		if u.Status != rules.NotSubmitted && len(u.Missing) > 0 {
			tw.printf("%s缺少：%s\n", indent, materialList(u.Missing))
		}
		for _, p := range u.Problems {
			if p.Accepted {
				continue
			}
			if p.File != "" {
				tw.printf("%s问题：%s — %s\n", indent, p.File, p.Message)
			} else {
				tw.printf("%s问题：%s\n", indent, p.Message)
			}
		}
	}
	if len(st.Unmatched) > 0 {
		tw.printf("\n未能确定报送单位的来信（请人工确认，可用 shoubao decide assign 指定单位）：\n")
		for _, m := range st.Unmatched {
			tw.printf("  %s  %s  《%s》  %s\n", clock(m.Arrival, "01-02 15:04"), m.From, m.Subject, fileList(m))
			if len(m.Attribution.Candidates) > 0 {
				tw.printf("      可能是：%s\n", strings.Join(m.Attribution.Candidates, "、"))
			}
		}
	}
	if len(st.Inquiries) > 0 {
		tw.printf("\n待答复的来信：\n")
		for _, m := range st.Inquiries {
			tw.printf("  %s  %s%s  《%s》\n", clock(m.Arrival, "01-02 15:04"), m.From, unitSuffix(m), m.Subject)
		}
	}
	var failed []rules.MessageState
	for _, list := range [][]rules.MessageState{st.Unmatched, st.Inquiries, st.Other} {
		for _, m := range list {
			if strings.HasPrefix(m.Receipt, "failed") {
				failed = append(failed, m)
			}
		}
	}
	for _, u := range st.Units {
		for _, m := range u.Messages {
			if strings.HasPrefix(m.Receipt, "failed") {
				failed = append(failed, m)
			}
		}
	}
	if len(failed) > 0 {
		tw.printf("\n回执发送失败（对方未收到自动回执，请人工联系）：\n")
		for _, m := range failed {
			tw.printf("  %s  %s  《%s》  %s\n", clock(m.Arrival, "01-02 15:04"), m.From, m.Subject, strings.TrimPrefix(m.Receipt, "failed: "))
		}
	}
	if len(st.Other) > 0 {
		tw.printf("\n其他邮件（非报送）：\n")
		for _, m := range st.Other {
			tw.printf("  %s  %s  %s%s  《%s》\n", clock(m.Arrival, "01-02 15:04"), m.Category.Label(), m.From, unitSuffix(m), m.Subject)
		}
	}
	return tw.err
}

func statusMark(s string) string {
	switch s {
	case rules.CompleteOnTime:
		return "✓ " + rules.StatusLabel(s)
	case rules.CompleteLate:
		return "⚠ " + rules.StatusLabel(s)
	case rules.Incomplete:
		return "◐ " + rules.StatusLabel(s)
	}
	return "✗ " + rules.StatusLabel(s)
}

func unitSuffix(m rules.MessageState) string {
	if m.Attribution.Unit != "" {
		return "（" + m.Attribution.Unit + "）"
	}
	return ""
}

// clock formats t in Beijing time.
func clock(t time.Time, layout string) string { return t.In(campaign.ChinaTime()).Format(layout) }

// receivedList names the materials a unit has usable files for, required
// or not, with the kinds of 影像资料: "活动总结报告、影像资料（视频、照片）".
func receivedList(u rules.UnitState) string {
	has := map[campaign.Material]bool{}
	link := false
	for _, m := range u.Messages {
		if !m.Category.Counts() || m.Superseded {
			continue
		}
		for _, f := range m.Files {
			if f.Usable != nil && *f.Usable {
				switch f.Kind {
				case "report":
					has[campaign.MaterialReport] = true
				case "stats_table":
					has[campaign.MaterialStats] = true
				case "recommend_table":
					has[campaign.MaterialRecommend] = true
				case "video":
					has[campaign.MaterialVideo] = true
				case "photo":
					has[campaign.MaterialPhoto] = true
				}
			}
		}
		link = link || len(m.Links) > 0
	}
	var s, media []string
	for _, m := range []campaign.Material{campaign.MaterialReport, campaign.MaterialStats, campaign.MaterialRecommend} {
		if has[m] {
			s = append(s, m.Label())
		}
	}
	if has[campaign.MaterialVideo] {
		media = append(media, "视频")
	} else if link {
		media = append(media, "视频链接，未核实")
	}
	if has[campaign.MaterialPhoto] {
		media = append(media, "照片")
	}
	if len(media) > 0 {
		s = append(s, campaign.MaterialMedia.Label()+"（"+strings.Join(media, "、")+"）")
	}
	if len(s) == 0 {
		return "—"
	}
	return strings.Join(s, "、")
}

func fileList(m rules.MessageState) string {
	var names []string
	for _, f := range m.Files {
		names = append(names, f.Name)
	}
	if len(m.Links) > 0 {
		names = append(names, fmt.Sprintf("超大附件链接 %d 个", len(m.Links)))
	}
	return strings.Join(names, "、")
}

func materialList(ms []campaign.Material) string {
	if len(ms) == 0 {
		return "—"
	}
	var s []string
	for _, m := range ms {
		s = append(s, m.Label())
	}
	return strings.Join(s, "、")
}

// displayWidth counts East Asian wide characters as two columns.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

func pad(s string, w int) string {
	if d := w - displayWidth(s); d > 0 {
		return s + strings.Repeat(" ", d)
	}
	return s
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
