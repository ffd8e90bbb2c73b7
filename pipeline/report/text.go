package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/text/width"

	"github.com/shoubao/shoubao/pipeline/config"
)

// WriteText writes the summary as a plain-text table for an officer, in
// Chinese, aligned for a terminal.
func (s *Summary) WriteText(w io.Writer) error {
	tw := &errWriter{w: w}
	c := s.Campaign
	cst := config.ChinaTime()
	tw.printf("%s", c.Title)
	if c.NoticeNumber != "" {
		tw.printf("（%s）", c.NoticeNumber)
	}
	tw.printf("\n截止时间：%s（北京时间）", c.Deadline.End.Add(-time.Second).In(cst).Format("2006年1月2日 15:04"))
	if c.Delivery == config.DeliveryEach {
		tw.printf("，分别报送至 %d 个邮箱", len(c.Mailboxes))
	}
	tw.printf("\n应报材料：%s\n", materialList(c.Materials))
	n := s.Counts()
	tw.printf("应报 %d 个单位：已报 %d，未报 %d，逾期 %d，材料不全 %d，有问题 %d\n\n",
		n.Expected, n.Submitted, n.NotSubmitted, n.Late, n.Incomplete, n.WithProblems)

	nameWidth := 10
	for _, u := range s.Units {
		nameWidth = max(nameWidth, displayWidth(u.Name))
	}
	tw.printf("%s  %s  %s  %s\n", pad("单位", nameWidth), pad("状态", 8), pad("首次收到", 11), "已收材料")
	for _, u := range s.Units {
		status, at := "✗ 未报送", ""
		if u.Submitted {
			status, at = "✓ 按时", u.First.In(cst).Format("01-02 15:04")
			if u.Late {
				status = "⚠ 逾期"
			}
		}
		tw.printf("%s  %s  %s  %s\n", pad(u.Name, nameWidth), pad(status, 8), pad(at, 11), foundList(u.Found))
		if u.Submitted && len(u.Missing) > 0 {
			tw.printf("%s    缺少：%s\n", pad("", nameWidth), materialList(u.Missing))
		}
		if len(u.MissingMailboxes) > 0 {
			tw.printf("%s    未报送至：%s\n", pad("", nameWidth), strings.Join(u.MissingMailboxes, "、"))
		}
		for _, p := range u.Problems {
			tw.printf("%s    问题：%s — %s\n", pad("", nameWidth), p.File, p.Finding.Message)
		}
	}
	if len(s.Unattributed) > 0 {
		tw.printf("\n未能识别报送单位的来信（请人工确认）：\n")
		for _, m := range s.Unattributed {
			tw.printf("  %s  %s  《%s》  %s\n", m.At.In(cst).Format("01-02 15:04"), m.From, m.Subject, fileList(m))
		}
	}
	if len(s.Other) > 0 {
		tw.printf("\n其他邮件（非报送）：\n")
		for _, m := range s.Other {
			tw.printf("  %s  %s  %s  《%s》\n", m.At.In(cst).Format("01-02 15:04"), classLabel(m.Class), m.From, m.Subject)
		}
	}
	return tw.err
}

// foundList names the materials received, with photos and videos as the
// kinds of 影像资料: "活动总结报告、影像资料（照片、视频）".
func foundList(found []config.Material) string {
	var s []string
	var media []string
	for _, m := range found {
		switch m {
		case config.MaterialMedia:
		case config.MaterialPhoto, config.MaterialVideo:
			media = append(media, m.Label())
		default:
			s = append(s, m.Label())
		}
	}
	if len(media) > 0 {
		s = append(s, config.MaterialMedia.Label()+"（"+strings.Join(media, "、")+"）")
	}
	if len(s) == 0 {
		return "—"
	}
	return strings.Join(s, "、")
}

func fileList(m Message) string {
	var names []string
	for _, f := range m.Files {
		names = append(names, f.Name)
	}
	if m.Links > 0 {
		names = append(names, fmt.Sprintf("超大附件链接 %d 个", m.Links))
	}
	return strings.Join(names, "、")
}

func classLabel(class string) string {
	switch class {
	case "auto_reply":
		return "自动回复"
	case "bounce":
		return "退信"
	case "bulk":
		return "群发邮件"
	case "malformed":
		return "无法解析"
	}
	return class
}

func materialList(ms []config.Material) string {
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
