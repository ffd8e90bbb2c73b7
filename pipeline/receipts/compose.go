package receipts

import (
	"fmt"
	"html"
	"math"
	"strings"
	"time"

	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/outmail"
	"github.com/shoubao/shoubao/pipeline/rules"
)

// Receipt is a composed receipt.
type Receipt struct {
	Subject string
	// Text is the plain-text body (kept on the job for officers to read).
	Text string
	// MessageID is the receipt's own Message-ID (without brackets),
	// derived from the message it answers, so that it is the same however
	// often it is composed.
	MessageID string
	From      string
	To        string
	// Raw is the whole RFC 5322 message.
	Raw []byte
}

// MessageID returns the receipt's Message-ID for a message of a campaign.
func MessageID(campaignID, key, mailboxAddress string) string {
	return outmail.MessageID("receipt", mailboxAddress, campaignID, key)
}

// Compose writes the receipt for the message key of campaign c, from st,
// the state judged with the messages received up to that one; it goes out
// from mailbox to recipient.
func Compose(c *campaign.Campaign, st *rules.State, key string, mb campaign.Mailbox, recipient string, now time.Time) (*Receipt, error) {
	msg, unit := find(st, key)
	if msg == nil {
		return nil, fmt.Errorf("compose receipt: message %q is not in campaign %s", key, c.ID)
	}
	return compose(c, msg, unit, mb, recipient, now)
}

// ComposeAsOf is Compose reading the state from a judgment of the campaign
// (rules.Judgment.AsOf): the receipts of a batch share one judgment.
func ComposeAsOf(c *campaign.Campaign, j *rules.Judgment, key string, mb campaign.Mailbox, recipient string, now time.Time) (*Receipt, error) {
	msg, unit, ok := j.AsOf(key)
	if !ok {
		return nil, fmt.Errorf("compose receipt: message %q is not in campaign %s", key, c.ID)
	}
	return compose(c, msg, unit, mb, recipient, now)
}

func compose(c *campaign.Campaign, msg *rules.MessageState, unit *rules.UnitState, mb campaign.Mailbox, recipient string, now time.Time) (*Receipt, error) {
	office := c.Receipts.Office
	if office == "" {
		office = mb.Office
	}
	r := &Receipt{Subject: "自动回执：" + outmail.Clean(msg.Subject), MessageID: MessageID(c.ID, msg.Key, mb.Address), From: mb.Address, To: recipient}
	var t, h strings.Builder
	line := func(s string) {
		t.WriteString(s + "\n")
		h.WriteString("<p>" + html.EscapeString(s) + "</p>\n")
	}
	if unit != nil {
		line(unit.Name + "：")
	} else {
		line("您好：")
	}
	line(fmt.Sprintf("您于 %s（北京时间，以邮件服务器收到的时间为准）发送的邮件《%s》已收到。", clock(msg.Arrival), outmail.Clean(msg.Subject)))
	if unit != nil {
		line("报送单位：" + unit.Name)
	} else {
		line("报送单位：未能识别报送单位，请在邮件中注明单位全称（可直接回复本邮件说明）。")
	}
	items := fileLines(c, msg)
	if len(items) == 0 {
		line("本邮件中没有附件。")
	} else {
		t.WriteString("本次收到的文件：\n")
		h.WriteString("<p>本次收到的文件：</p>\n<ul>\n")
		for i, it := range items {
			fmt.Fprintf(&t, "  %d. %s\n", i+1, it)
			h.WriteString("<li>" + html.EscapeString(it) + "</li>\n")
		}
		h.WriteString("</ul>\n")
	}
	if unit != nil {
		switch {
		case unit.Status == rules.CompleteOnTime || unit.Status == rules.CompleteLate:
			line("贵单位的报送材料已齐全。")
		case len(unit.Missing) > 0:
			line("贵单位尚缺：" + materials(unit.Missing) + "。请在截止时间前补充。")
		}
		if !unit.Deadline.IsZero() && !msg.Arrival.Before(unit.Deadline) {
			line("本邮件在截止时间之后收到，按逾期报送处理。")
		}
	}
	deadline := c.Deadline
	if unit != nil && unit.Extended {
		deadline = unit.Deadline
	}
	if !deadline.IsZero() {
		line("截止时间：" + clock(deadline.Add(-time.Second)) + "（北京时间）。")
	}
	line("如需更正，请回复本邮件并在主题中注明“更正”，更正后的邮件将替换此前报送的全部材料；如需补充，请在主题中注明“补充”。")
	line("本邮件由系统自动发送。")
	sig := office
	if c.Receipts.Phone != "" {
		sig += "  联系电话：" + c.Receipts.Phone
	}
	if sig != "" {
		line(sig)
	}
	r.Text = t.String()
	out := outmail.Mail{FromName: office, From: r.From, To: []string{r.To}, Subject: r.Subject, MessageID: r.MessageID,
		Text: r.Text, HTML: h.String()}
	if !strings.HasPrefix(msg.Key, "sha256:") {
		out.InReplyTo = msg.Key
	}
	raw, err := out.Bytes(now)
	if err != nil {
		return nil, fmt.Errorf("compose receipt: %w", err)
	}
	r.Raw = raw
	return r, nil
}

// find returns the message with key and the state of its unit (nil when
// no unit could be matched).
func find(st *rules.State, key string) (*rules.MessageState, *rules.UnitState) {
	for i := range st.Units {
		u := &st.Units[i]
		for j := range u.Messages {
			if u.Messages[j].Key == key {
				return &u.Messages[j], u
			}
		}
	}
	for _, list := range [][]rules.MessageState{st.Unmatched, st.Inquiries, st.Other} {
		for j := range list {
			if list[j].Key == key {
				return &list[j], nil
			}
		}
	}
	return nil, nil
}

// fileLines describes each file and link of the message with its result:
// ✓ counts, ✗ does not, ⚠ needs checking.
func fileLines(c *campaign.Campaign, m *rules.MessageState) []string {
	var out []string
	for _, f := range m.Files {
		ok := f.Usable != nil && *f.Usable
		mark := func(s string) string {
			if f.Usable == nil {
				return s
			}
			if ok {
				return s + " ✓"
			}
			if f.Why != "" && !strings.Contains(s, f.Why) {
				s += "，" + f.Why
			}
			return s + " ✗"
		}
		var what string
		switch f.Kind {
		case "report":
			what = mark("活动总结报告")
		case "stats_table":
			what = mark("统计表")
		case "recommend_table":
			what = mark("推荐表")
		case "photo":
			what = mark("照片")
		case "video":
			if f.VideoSeconds > 0 {
				what = "视频 " + duration(f.VideoSeconds)
				if c.VideoLimit > 0 && f.VideoSeconds > c.VideoLimit.Seconds() && !ok {
					what += fmt.Sprintf("，超过 %s ✗", duration(c.VideoLimit.Seconds()))
				} else {
					what = mark(what)
				}
			} else {
				what = mark("视频")
			}
		case "archive":
			what = "压缩包（其中的文件见下）"
		case "message":
			what = "转发的邮件（其中的文件见下）"
		default:
			what = "其他文件，不计入报送材料"
		}
		out = append(out, outmail.Clean(f.Name)+" — "+what)
	}
	for _, l := range m.Links {
		s := "超大附件链接：" + outmail.Clean(l.Name)
		if l.Name == "" {
			s = "超大附件（网盘）链接"
		}
		if l.Expires != "" {
			s += "，到期时间 " + outmail.Clean(l.Expires)
		}
		out = append(out, s+" ⚠ 请确保在到期前文件可以下载")
	}
	return out
}

func materials(ms []campaign.Material) string {
	var s []string
	for _, m := range ms {
		s = append(s, m.Label())
	}
	return strings.Join(s, "、")
}

// duration writes seconds as 2分58秒.
func duration(sec float64) string {
	s := int(math.Round(sec))
	switch {
	case s < 60:
		return fmt.Sprintf("%d秒", s)
	case s%60 == 0:
		return fmt.Sprintf("%d分钟", s/60)
	}
	return fmt.Sprintf("%d分%d秒", s/60, s%60)
}

func clock(t time.Time) string { return t.In(campaign.ChinaTime()).Format("2006年1月2日 15:04") }
