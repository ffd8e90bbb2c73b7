package schedule

import (
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/outmail"
	"github.com/shoubao/shoubao/pipeline/rules"
	"github.com/shoubao/shoubao/sinks"
)

// messageID is a job's own Message-ID: the same however often it is
// composed, so that the Sent folder tells whether it went out.
func messageID(j sinks.Job, mb campaign.Mailbox) string {
	return outmail.MessageID(j.Kind, mb.Address, j.CampaignID, j.Kind, j.Key)
}

// text collects a mail's lines as plain text and HTML.
type text struct{ t, h strings.Builder }

func (b *text) line(s string) {
	b.t.WriteString(s + "\n")
	b.h.WriteString("<p>" + html.EscapeString(s) + "</p>\n")
}

func (b *text) list(title string, items []string) {
	if len(items) == 0 {
		return
	}
	b.t.WriteString(title + "\n")
	b.h.WriteString("<p>" + html.EscapeString(title) + "</p>\n<ul>\n")
	for _, it := range items {
		b.t.WriteString("  · " + it + "\n")
		b.h.WriteString("<li>" + html.EscapeString(it) + "</li>\n")
	}
	b.h.WriteString("</ul>\n")
}

func clock(t time.Time) string { return t.In(campaign.ChinaTime()).Format("1月2日 15:04") }

func labels(ms []campaign.Material) string {
	var s []string
	for _, m := range ms {
		s = append(s, m.Label())
	}
	return strings.Join(s, "、")
}

// Reminder writes the 催报 to a unit, or returns ok false when the unit
// has become complete since the reminder was decided (then none is sent).
func Reminder(c *campaign.Campaign, st *rules.State, j sinks.Job, mb campaign.Mailbox, now time.Time) (m *outmail.Mail, ok bool) {
	unit := strings.SplitN(j.Key, "/", 2)[0]
	var u *rules.UnitState
	for i := range st.Units {
		if st.Units[i].Name == unit {
			u = &st.Units[i]
		}
	}
	if u == nil || u.Status == rules.CompleteOnTime || u.Status == rules.CompleteLate {
		return nil, false
	}
	office := c.Receipts.Office
	if office == "" {
		office = mb.Office
	}
	var b text
	b.line(u.Name + "：")
	deadline := u.Deadline.Add(-time.Second)
	switch u.Status {
	case rules.NotSubmitted:
		b.line(fmt.Sprintf("《%s》要求各单位于 %s 前报送%s。截至 %s，尚未收到贵单位的材料。", c.Title, clock(deadline), labels(c.Materials), clock(now)))
	default:
		b.line(fmt.Sprintf("《%s》要求各单位于 %s 前报送%s。截至 %s，贵单位尚缺：%s。", c.Title, clock(deadline), labels(c.Materials), clock(now), labels(u.Missing)))
	}
	var boxes []string
	for _, x := range c.Mailboxes {
		boxes = append(boxes, x.Address)
	}
	how := "请发送至 " + strings.Join(boxes, "、")
	if c.Delivery == campaign.DeliveryEach && len(boxes) > 1 {
		how = "请分别发送至 " + strings.Join(boxes, " 和 ")
	}
	b.line(how + "，邮件主题中请注明单位全称。已报送的，请忽略本邮件。")
	b.line("本邮件由系统自动发送。")
	sig := office
	if c.Receipts.Phone != "" {
		sig += "  联系电话：" + c.Receipts.Phone
	}
	b.line(sig)
	return &outmail.Mail{FromName: office, From: mb.Address, To: strings.Split(j.Recipient, ","),
		Subject: fmt.Sprintf("催报：%s（截止 %s）", c.Title, clock(deadline)), MessageID: messageID(j, mb),
		Text: b.t.String(), HTML: b.h.String()}, true
}

// Digest writes the officers' daily digest: who has not submitted (with
// the phone of units no mail can reach), who was late, who is incomplete
// and what is missing, problems, questions awaiting an answer and mail no
// unit could be matched to. table is the unit table (.xlsx) to attach.
func Digest(c *campaign.Campaign, st *rules.State, j sinks.Job, mb campaign.Mailbox, table []byte, now time.Time) *outmail.Mail {
	n := st.Counts
	var b text
	b.line(fmt.Sprintf("%s 报送情况（截至 %s，北京时间）", c.Title, clock(now)))
	left := c.Deadline.Sub(now)
	switch {
	case left > 0:
		b.line(fmt.Sprintf("截止时间 %s，还剩 %s。", clock(c.Deadline.Add(-time.Second)), remaining(left)))
	default:
		b.line(fmt.Sprintf("截止时间 %s 已过。", clock(c.Deadline.Add(-time.Second))))
	}
	b.line(fmt.Sprintf("应报 %d 个单位：按时报齐 %d，逾期报齐 %d，材料不全 %d，未报 %d。",
		n.Expected, n.OnTime, n.Late, n.Incomplete, n.NotSubmitted))
	var notYet, late, incomplete, problems []string
	for _, u := range st.Units {
		switch u.Status {
		case rules.NotSubmitted:
			s := u.Name
			if len(u.Addresses) == 0 {
				s += "（无邮箱，无法自动催报"
				if u.Phone != "" {
					s += "，电话 " + u.Phone
				}
				if u.Contact != "" {
					s += "，联系人 " + u.Contact
				}
				s += "）"
			}
			notYet = append(notYet, s)
		case rules.CompleteLate:
			late = append(late, fmt.Sprintf("%s（%s 报齐）", u.Name, clock(u.CompletedAt)))
		case rules.Incomplete:
			incomplete = append(incomplete, fmt.Sprintf("%s：缺少 %s", u.Name, labels(u.Missing)))
		}
		for _, p := range u.Problems {
			if p.Accepted || p.Code == "late" {
				continue
			}
			s := u.Name + "：" + p.Message
			if p.File != "" {
				s = u.Name + "：" + p.File + " — " + p.Message
			}
			problems = append(problems, s)
		}
	}
	b.list("未报送：", notYet)
	b.list("逾期报齐：", late)
	b.list("材料不全：", incomplete)
	b.list("需要核实的问题：", problems)
	var inquiries, unmatched []string
	for _, m := range st.Inquiries {
		inquiries = append(inquiries, fmt.Sprintf("%s  %s《%s》", clock(m.Arrival), m.From, m.Subject))
	}
	for _, m := range st.Unmatched {
		s := fmt.Sprintf("%s  %s《%s》", clock(m.Arrival), m.From, m.Subject)
		if len(m.Attribution.Candidates) > 0 {
			s += "，可能是 " + strings.Join(m.Attribution.Candidates, "、")
		}
		unmatched = append(unmatched, s)
	}
	b.list("待答复的来信：", inquiries)
	b.list("未能确定报送单位的来信（请确认）：", unmatched)
	b.line("各单位明细见附件《报送情况一览表》。本邮件由系统自动发送。")
	subject := fmt.Sprintf("每日汇总：%s（%s）", c.Title, now.In(campaign.ChinaTime()).Format("1月2日"))
	if j.Key == "after-deadline" {
		subject = "截止汇总：" + c.Title
	}
	m := &outmail.Mail{FromName: "shoubao 收报", From: mb.Address, To: strings.Split(j.Recipient, ","), Subject: subject,
		MessageID: messageID(j, mb), Text: b.t.String(), HTML: b.h.String()}
	if len(table) > 0 {
		m.Attachments = []outmail.Attachment{{Name: "报送情况一览表.xlsx",
			ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data: table}}
	}
	return m
}

// remaining writes a duration for an officer: 3天5小时, 5小时20分.
func remaining(d time.Duration) string {
	days := int(d.Hours()) / 24
	hours := int(d.Hours()) % 24
	minutes := int(d.Minutes()) % 60
	switch {
	case days > 0:
		return fmt.Sprintf("%d天%d小时", days, hours)
	case hours > 0:
		return fmt.Sprintf("%d小时%d分", hours, minutes)
	}
	return fmt.Sprintf("%d分钟", minutes)
}
