package receipts_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/shoubao/shoubao/parsers/inspect"
	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/receipts"
	"github.com/shoubao/shoubao/pipeline/rules"
	"github.com/shoubao/shoubao/pipeline/worker"
	"github.com/shoubao/shoubao/sinks"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var cst = campaign.ChinaTime()

func testCampaign(mode string) *campaign.Campaign {
	return &campaign.Campaign{ID: "c", Title: "科技活动周", Deadline: time.Date(2026, 6, 9, 0, 0, 0, 0, cst),
		VideoLimit: 180 * time.Second, Materials: []campaign.Material{campaign.MaterialReport, campaign.MaterialStats},
		Delivery: campaign.DeliveryAny, Receipts: campaign.Receipts{Mode: mode, Phone: "0356-2035555", PerRecipientPerHour: 5},
		Mailboxes: []campaign.Mailbox{{ID: "c/jcskjhzk@163.com", Address: "jcskjhzk@163.com", Office: "晋城市科学技术局"}},
		Units:     []campaign.Unit{{Name: "陵川县发展改革和科技局", Aliases: []string{"陵川县科技局"}}}}
}

// stored reads a mail as the worker does and returns the stored facts.
func stored(t *testing.T, raw []byte) *sinks.Message {
	t.Helper()
	node, err := inspect.Message(context.Background(), bytes.NewReader(raw), inspect.Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	m, err := worker.Record(bus.Event{CampaignID: "c", MailboxID: "c/jcskjhzk@163.com", UIDValidity: 1, UID: 1,
		InternalDate: time.Date(2026, 6, 5, 10, 5, 0, 0, cst)}, node)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../parsers/mail/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// person is an ordinary submission; each case adds one header that marks a
// robot, or changes the sender.
func person(extra, from string) []byte {
	return []byte("From: " + from + "\r\nTo: jcskjhzk@163.com\r\nSubject: =?UTF-8?B?6Zm15bed5Y6/56eR5oqA5bGA5p2Q5paZ?=\r\n" +
		"Message-ID: <p1@163.com>\r\nDate: Wed, 05 Jun 2024 09:00:00 +0800\r\nMIME-Version: 1.0\r\n" + extra +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n见附件\r\n" +
		"--b\r\nContent-Type: application/pdf; name=report.pdf\r\nContent-Disposition: attachment; filename=report.pdf\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoK\r\n--b--\r\n")
}

// TestDecide: a person gets a receipt; a robot, an inquiry and a reply do
// not, and the reason is recorded. Fixtures are real mails from
// parsers/mail/testdata, and variations of one submission.
func TestDecide(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		raw    []byte
		state  string
		reason string // prefix
		to     string
	}{
		{"submission", person("", "陵川县科技局 <lckjj@163.com>"), sinks.JobPending, "", "lckjj@163.com"},
		{"reply-to wins", person("Reply-To: clerk@qq.com\r\n", "lckjj@163.com"), sinks.JobPending, "", "clerk@qq.com"},
		{"auto-reply (fixture)", fixture(t, "autoreply.eml"), sinks.JobSkipped, "robot", ""},
		{"bounce (fixture)", fixture(t, "bounce_dsn.eml"), sinks.JobSkipped, "robot", ""},
		{"mailing list (fixture)", fixture(t, "newsletter.eml"), sinks.JobSkipped, "robot", ""},
		{"Auto-Submitted", person("Auto-Submitted: auto-generated\r\n", "lckjj@163.com"), sinks.JobSkipped, "robot: class auto_reply", ""},
		{"Auto-Submitted: no is a person", person("Auto-Submitted: no\r\n", "lckjj@163.com"), sinks.JobPending, "", "lckjj@163.com"},
		{"Precedence: junk", person("Precedence: junk\r\n", "lckjj@163.com"), sinks.JobSkipped, "robot", ""},
		{"List-Post", person("List-Post: <mailto:l@x.cn>\r\n", "lckjj@163.com"), sinks.JobSkipped, "robot: List-Post", ""},
		{"X-Auto-Response-Suppress", person("X-Auto-Response-Suppress: All\r\n", "lckjj@163.com"), sinks.JobSkipped, "robot: X-Auto-Response-Suppress", ""},
		{"empty Return-Path", person("Return-Path: <>\r\n", "lckjj@163.com"), sinks.JobSkipped, "robot: Return-Path", ""},
		{"noreply sender", person("", "noreply@service.netease.com"), sinks.JobSkipped, "robot: sender", ""},
		{"list owner", person("", "owner-kepu@lists.cn"), sinks.JobSkipped, "robot: sender", ""},
		{"-request", person("", "kepu-request@lists.cn"), sinks.JobSkipped, "robot: sender", ""},
		{"a contact mailbox itself", person("", "jcskjhzk@163.com"), sinks.JobSkipped, "robot: sent by a contact mailbox", ""},
		{"our own receipt (loop guard)", person("X-Shoubao-Receipt: 1\r\n", "lckjj@163.com"), sinks.JobSkipped, "robot: X-Shoubao-Receipt", ""},
		{"an inquiry", []byte("From: lckjj@163.com\r\nTo: jcskjhzk@163.com\r\nSubject: =?UTF-8?B?" + "6K+36Zeu6KeG6aKR5Y+v5Lul55So572R55uY5Y+R6YCB5ZCX77yf" + "?=\r\nMessage-ID: <q@163.com>\r\n\r\nhello\r\n"),
			sinks.JobSkipped, "inquiry", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			job, ok := receipts.Decide(testCampaign("send"), stored(t, tt.raw))
			if !ok {
				t.Fatal("no job decided")
			}
			if job.State != tt.state || !strings.HasPrefix(job.Reason, tt.reason) || (tt.to != "" && job.Recipient != tt.to) {
				t.Errorf("job %s (%q) to %q; want %s (%q…) to %q", job.State, job.Reason, job.Recipient, tt.state, tt.reason, tt.to)
			}
			if job.Kind != receipts.Kind || job.Key == "" || job.MailboxID != "c/jcskjhzk@163.com" {
				t.Errorf("job %+v", job)
			}
		})
	}
	if _, ok := receipts.Decide(testCampaign("off"), stored(t, person("", "lckjj@163.com"))); ok {
		t.Error("mode off decided a job")
	}
}

// TestCompose writes a receipt for a real mail (GBK names, a statistics
// table, an RFC 2231 name) and compares it with a golden text; the headers
// mark it as automatic and answer the original.
func TestCompose(t *testing.T) {
	t.Parallel()
	c := testCampaign("send")
	m := stored(t, fixture(t, "rfc2231_gbk.eml"))
	msgs := rules.FromStored([]sinks.Message{*m})
	st := rules.Judge(c, msgs, nil, time.Now())
	now := time.Date(2026, 6, 5, 10, 5, 3, 0, cst)
	r, err := receipts.Compose(c, st, msgs[0].Key, c.Mailboxes[0], "lckjj@163.com", now)
	if err != nil {
		t.Fatal(err)
	}
	golden := "testdata/rfc2231_gbk.receipt.txt"
	got := "Subject: " + r.Subject + "\n\n" + r.Text
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("receipt differs from %s (go test -update):\n%s", golden, got)
	}
	// The raw message reads back with the right headers.
	mr, err := mail.CreateReader(bytes.NewReader(r.Raw))
	if err != nil {
		t.Fatal(err)
	}
	h := mr.Header
	subject, _ := h.Subject()
	id, _ := h.MessageID()
	for k, v := range map[string]string{
		"Subject": subject, "Message-Id": id, "Auto-Submitted": h.Get("Auto-Submitted"),
		"X-Auto-Response-Suppress": h.Get("X-Auto-Response-Suppress"), "In-Reply-To": h.Get("In-Reply-To"),
	} {
		want := map[string]string{"Subject": r.Subject, "Message-Id": r.MessageID, "Auto-Submitted": "auto-replied",
			"X-Auto-Response-Suppress": "All", "In-Reply-To": "<" + m.MessageID + ">"}[k]
		if v != want {
			t.Errorf("%s: %q, want %q", k, v, want)
		}
	}
	if id != receipts.MessageID("c", msgs[0].Key, "jcskjhzk@163.com") || !strings.HasSuffix(id, "@163.com") {
		t.Errorf("Message-ID %q is not derived from the message", id)
	}
}

// TestComposeCleansHeaders: a subject with CR/LF (decoded from RFC 2047)
// never adds a header line to the receipt.
func TestComposeCleansHeaders(t *testing.T) {
	t.Parallel()
	c := testCampaign("send")
	// =?UTF-8?B?…?= of "材料\r\nBcc: victim@x.cn"
	raw := person("", "lckjj@163.com")
	raw = bytes.Replace(raw, []byte("=?UTF-8?B?6Zm15bed5Y6/56eR5oqA5bGA5p2Q5paZ?="), []byte("=?UTF-8?B?5p2Q5paZDQpCY2M6IHZpY3RpbUB4LmNu?="), 1)
	m := stored(t, raw)
	msgs := rules.FromStored([]sinks.Message{*m})
	st := rules.Judge(c, msgs, nil, time.Now())
	r, err := receipts.Compose(c, st, msgs[0].Key, c.Mailboxes[0], "lckjj@163.com", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	mr, err := mail.CreateReader(bytes.NewReader(r.Raw))
	if err != nil {
		t.Fatal(err)
	}
	if mr.Header.Has("Bcc") || strings.ContainsAny(r.Subject, "\r\n") {
		t.Errorf("header injection: Bcc %q, subject %q", mr.Header.Get("Bcc"), r.Subject)
	}
}
