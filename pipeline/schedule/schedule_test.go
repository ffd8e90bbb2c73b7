package schedule_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/xuri/excelize/v2"

	"github.com/shoubao/shoubao/parsers/inspect"
	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/demo"
	"github.com/shoubao/shoubao/pipeline/schedule"
	"github.com/shoubao/shoubao/pipeline/sender"
	"github.com/shoubao/shoubao/pipeline/worker"
	"github.com/shoubao/shoubao/sinks/mailout"
	"github.com/shoubao/shoubao/sinks/sqlstore"
)

var cst = campaign.ChinaTime()

func at(d, h, m int) time.Time { return time.Date(2026, 6, d, h, m, 0, 0, cst) }

func testCampaign() *campaign.Campaign {
	return &campaign.Campaign{ID: "c", Title: "2026年科技活动周", Deadline: at(9, 0, 0),
		Materials: []campaign.Material{campaign.MaterialReport, campaign.MaterialMedia}, Delivery: campaign.DeliveryAny,
		Receipts:  campaign.Receipts{Mode: "off", Phone: "0356-2035555", PerRecipientPerHour: 5},
		Officers:  []string{"boss@jc.gov.cn"},
		Digest:    campaign.Digest{Mode: "send", At: 8*time.Hour + 30*time.Minute, Start: at(1, 0, 0), DaysAfterDeadline: 3},
		Reminders: campaign.Reminders{Mode: "send", DaysBefore: []int{3, 1}, At: 9 * time.Hour},
		Mailboxes: []campaign.Mailbox{{ID: "c/jcskjhzk@163.com", Address: "jcskjhzk@163.com", Office: "晋城市科学技术局"}},
		Units: []campaign.Unit{
			{Name: "甲县科技局", Senders: []string{"a@163.com"}},
			{Name: "乙县科技局", Senders: []string{"b@163.com"}},
			{Name: "丙县科技局", Senders: []string{"c@163.com"}},
			{Name: "丁县科技局", Phone: "0356-1111111", Contact: "丁主任"},
			{Name: "戊县科技局", Senders: []string{"noreply@wu.gov.cn"}},
		}}
}

// submit stores a unit's mail with a report and, when photo, a photo.
func submit(t *testing.T, st *sqlstore.Store, from, id string, arrival time.Time, photo bool) {
	t.Helper()
	ctx := context.Background()
	raw := "From: " + from + "\r\nTo: jcskjhzk@163.com\r\nSubject: materials\r\nMessage-ID: <" + id + ">\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n" +
		"--b\r\nContent-Type: application/pdf; name=r.pdf\r\nContent-Disposition: attachment; filename=r.pdf\r\n\r\n%PDF-1.4 " + id + "\r\n"
	if photo {
		raw += "--b\r\nContent-Type: image/jpeg; name=p.jpg\r\nContent-Disposition: attachment; filename=p.jpg\r\n\r\n\xff\xd8\xff\xe0 jpeg " + id + "\r\n"
	}
	raw += "--b--\r\n"
	node, err := inspect.Message(ctx, strings.NewReader(raw), inspect.Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	m, err := worker.Record(bus.Event{CampaignID: "c", MailboxID: "c/jcskjhzk@163.com", UIDValidity: 1, UID: uint32(arrival.Unix()),
		InternalDate: arrival, Object: id, SHA256: fmt.Sprintf("%064x", arrival.Unix())}, node)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.SaveMessage(ctx, m); err != nil {
		t.Fatal(err)
	}
}

// smtpTransport sends to a plain SMTP server on loopback.
type smtpTransport struct{ port int }

func (s smtpTransport) Send(ctx context.Context, _ string, to []string, raw []byte) error {
	return mailout.Send(ctx, mailout.SMTP{Host: "127.0.0.1", Port: s.port, TLS: mailout.TLSNone}, "jcskjhzk@163.com", to, raw)
}
func (smtpTransport) SavesSent(string) bool                                  { return false }
func (smtpTransport) SaveSent(context.Context, string, []byte, string) error { return nil }
func (smtpTransport) InSent(context.Context, string, string) (bool, error)   { return false, nil }

type received struct {
	to, subject, text string
	attachments       map[string][]byte
}

func read(t *testing.T, raw []byte) received {
	t.Helper()
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	r := received{attachments: map[string][]byte{}}
	r.subject, _ = mr.Header.Subject()
	to, _ := mr.Header.AddressList("To")
	var tos []string
	for _, a := range to {
		tos = append(tos, a.Address)
	}
	r.to = strings.Join(tos, ",")
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		b, _ := io.ReadAll(p.Body)
		switch h := p.Header.(type) {
		case *mail.AttachmentHeader:
			name, _ := h.Filename()
			r.attachments[name] = b
		case *mail.InlineHeader:
			if ct, _, _ := h.ContentType(); ct == "text/plain" {
				r.text = string(b)
			}
		}
	}
	return r
}

// TestDigestAndReminders runs the scheduler and the sender with a fake
// clock through a campaign's last days, sending through a real SMTP
// server on loopback: each digest and reminder goes out once, at its time;
// never to a complete unit or a robot's address; a unit without an address
// is in the digest with its phone; days missed while down are not sent.
func TestDigestAndReminders(t *testing.T) {
	ctx := context.Background()
	c := testCampaign()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	out, err := demo.StartOutbox()
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	submit(t, st, "a@163.com", "a1@163.com", at(2, 10, 0), true)  // 甲: complete
	submit(t, st, "b@163.com", "b1@163.com", at(3, 10, 0), false) // 乙: report only

	var now time.Time
	clock := func() time.Time { return now }
	snd := sender.New(st, smtpTransport{out.Port()}, sender.Options{Campaigns: map[string]*campaign.Campaign{"c": c}, Now: clock,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	sch := schedule.New(st, []*campaign.Campaign{c}, clock, nil, nil)
	sent := 0
	step := func(t *testing.T, when time.Time, wantNew int) []received {
		t.Helper()
		now = when
		for i := 0; i < 2; i++ { // twice: the second tick adds nothing
			n, err := sch.Tick(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[int]int{0: wantNew, 1: 0}[i]; n != want {
				t.Fatalf("%s tick %d: %d new jobs, want %d", when.Format("01-02 15:04"), i+1, n, want)
			}
		}
		if _, err := snd.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		msgs := out.Messages()
		var got []received
		for _, raw := range msgs[sent:] {
			got = append(got, read(t, raw))
		}
		sent = len(msgs)
		return got
	}

	if got := step(t, at(5, 8, 0), 0); len(got) != 0 {
		t.Fatalf("before 08:30: %d mails", len(got))
	}
	// 08:30: the digest.
	got := step(t, at(5, 8, 31), 1)
	if len(got) != 1 || got[0].to != "boss@jc.gov.cn" || !strings.HasPrefix(got[0].subject, "每日汇总：2026年科技活动周") {
		t.Fatalf("digest: %+v", got)
	}
	d := got[0].text
	for _, want := range []string{"应报 5 个单位：按时报齐 1，逾期报齐 0，材料不全 1，未报 3", "乙县科技局：缺少 影像资料",
		"丁县科技局（无邮箱，无法自动催报，电话 0356-1111111，联系人 丁主任）", "还剩 3天15小时"} {
		if !strings.Contains(d, want) {
			t.Errorf("digest lacks %q:\n%s", want, d)
		}
	}
	xlsx := got[0].attachments["报送情况一览表.xlsx"]
	f, err := excelize.OpenReader(bytes.NewReader(xlsx))
	if err != nil {
		t.Fatalf("digest attachment: %v", err)
	}
	rows, _ := f.GetRows(f.GetSheetList()[0])
	found := false
	for _, r := range rows {
		found = found || slices.Contains(r, "丁县科技局")
	}
	if !found {
		t.Errorf("the attached table lacks the units: %v", rows)
	}
	// 09:00, three days before: reminders to 乙 (incomplete) and 丙 (nothing
	// yet); not 甲 (complete), not 丁 (no address), not 戊 (a robot's address).
	got = step(t, at(5, 9, 1), 2)
	var to []string
	for _, r := range got {
		to = append(to, r.to)
		if !strings.HasPrefix(r.subject, "催报：2026年科技活动周（截止 6月8日 23:59）") {
			t.Errorf("reminder subject %q", r.subject)
		}
	}
	slices.Sort(to)
	if !slices.Equal(to, []string{"b@163.com", "c@163.com"}) {
		t.Fatalf("reminders to %v", to)
	}
	for _, r := range got {
		if r.to == "b@163.com" && !strings.Contains(r.text, "贵单位尚缺：影像资料") {
			t.Errorf("乙's reminder does not say what is missing:\n%s", r.text)
		}
	}
	// 乙 completes; one day before: 丙 only, and that day's digest.
	submit(t, st, "b@163.com", "b2@163.com", at(6, 10, 0), true)
	got = step(t, at(7, 9, 5), 2)
	var subjects []string
	for _, r := range got {
		subjects = append(subjects, r.to+" "+r.subject)
	}
	if len(got) != 2 || !slices.ContainsFunc(subjects, func(s string) bool { return strings.HasPrefix(s, "c@163.com 催报") }) {
		t.Fatalf("on the 7th: %v", subjects)
	}
	// Down from the 7th to the 10th: the digests of the 8th and 9th are not
	// sent late; the 10th's and the one after the deadline are.
	got = step(t, at(10, 9, 0), 2)
	subjects = nil
	for _, r := range got {
		subjects = append(subjects, r.subject)
	}
	slices.Sort(subjects)
	if len(got) != 2 || !strings.HasPrefix(subjects[0], "截止汇总") || !strings.Contains(subjects[1], "6月10日") {
		t.Fatalf("after the deadline: %v", subjects)
	}
	for _, r := range got {
		if strings.HasPrefix(r.subject, "每日汇总") && !strings.Contains(r.text, "已过") {
			t.Errorf("after the deadline the digest should say so:\n%s", r.text)
		}
	}
	// After days_after_deadline, nothing more.
	if got := step(t, at(12, 9, 0), 0); len(got) != 0 {
		t.Fatalf("on the 12th: %d mails", len(got))
	}
}
