package service_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-message/mail"

	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/poller/imaptest"
	"github.com/shoubao/shoubao/pipeline/report"
	"github.com/shoubao/shoubao/pipeline/rules"
	"github.com/shoubao/shoubao/pipeline/service"
	"github.com/shoubao/shoubao/sinks/mailout"
	"github.com/shoubao/shoubao/sinks/mailout/mtatest"
)

// anyUser lets every address log in to the test Dovecot with the test
// password, so that the unit's own mailbox (where its receipt arrives by
// LMTP) can be read over IMAP.
const anyUser = "passdb {\n  driver = static\n  args = password=authcode\n}\n"

// receiptSetup is a Dovecot holding the contact mailbox and every unit's
// mailbox, and a Postfix on loopback relaying to it by LMTP.
func receiptSetup(t testing.TB) (*imaptest.Server, *mtatest.MTA) {
	mtatest.Check(t)
	dc := imaptest.DovecotWith(t, imaptest.DovecotOptions{LMTP: true, Conf: anyUser})
	return dc, mtatest.Postfix(t, dc.LMTPAddr)
}

func receiptConfig(t testing.TB, dc *imaptest.Server, mta *mtatest.MTA, extra string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte(dc.Password), 0o600); err != nil {
		t.Fatal(err)
	}
	src := fmt.Sprintf(`
data_dir: %q
%s
campaigns:
  - id: jc-2024
    title: 2024年晋城市科技活动周
    deadline: 2024-06-07
    video_limit_seconds: 180
    materials: [stats_table, report, media]
    receipts: {mode: send, phone: 0356-2035555}
    mailboxes:
      - address: %s
        office: 晋城市科学技术局
        imap: {host: %s, port: %d, tls: none, password_file: %q}
        smtp: {host: %s, port: %d, tls: none, no_login: true}
    units:
      - name: 陵川县发展改革和科技局
        aliases: [陵川县科技局]
`, dir, extra, dc.User, dc.Host(), dc.Port(), pw, mta.Host(), mta.Port())
	cfg, err := config.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// person is a unit's submission from addr.
func person(from, id, subject string) []byte {
	return []byte("From: 陵川县科技局 <" + from + ">\r\nTo: unit@163.com\r\nSubject: " + subject + "\r\nMessage-ID: <" + id + ">\r\n" +
		"Date: Wed, 05 Jun 2024 09:00:00 +0800\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee attached\r\n" +
		"--b\r\nContent-Type: application/pdf; name=report.pdf\r\nContent-Disposition: attachment; filename=report.pdf\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoK\r\n--b--\r\n")
}

// TestReceiptThroughRealMTA: a unit's mail arrives in the contact mailbox
// (Dovecot); shoubao stores it and sends the receipt through Postfix,
// which delivers it by LMTP into the unit's mailbox, where it is read back
// over IMAP. An auto-reply, a bounce and a mailing list in the same
// mailbox get nothing. The receipt is filed in the contact mailbox's Sent
// folder, and the report says "sent".
func TestReceiptThroughRealMTA(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dc, mta := receiptSetup(t)
	at := time.Date(2024, 6, 5, 9, 0, 0, 0, config.ChinaTime())
	dc.Append(t, "INBOX", person("lckjj@163.com", "sub-1@163.com", "=?UTF-8?B?6Zm15bed5Y6/56eR5oqA5bGA5oql6YCB5p2Q5paZ?="), at)
	dc.Append(t, "INBOX", fixture(t, "autoreply.eml"), at)
	dc.Append(t, "INBOX", fixture(t, "bounce_dsn.eml"), at)
	dc.Append(t, "INBOX", fixture(t, "newsletter.eml"), at)
	cfg := receiptConfig(t, dc, mta, "")
	svc, err := service.Open(ctx, cfg, quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if err := svc.Once(ctx); err != nil {
		t.Fatalf("%v\n%s", err, mta.Log())
	}

	// Once returns when every receipt has an outcome.
	dom := cfg.Campaign[0].Domain()
	st, err := report.Compute(ctx, svc.Store(), &dom, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]string{}
	for _, list := range [][]rules.MessageState{st.Units[0].Messages, st.Other, st.Unmatched, st.Inquiries} {
		for _, m := range list {
			states[m.Subject] = m.Receipt
		}
	}
	if got := states["陵川县科技局报送材料"]; got != "sent" {
		t.Errorf("submission's receipt: %q, want sent (all: %v)", got, states)
	}
	robots := 0
	for subject, s := range states {
		if strings.HasPrefix(s, "skipped: robot") {
			robots++
		} else if subject != "陵川县科技局报送材料" {
			t.Errorf("%q: receipt %q, want skipped: robot…", subject, s)
		}
	}
	if robots != 3 {
		t.Errorf("%d robots skipped, want 3: %v", robots, states)
	}

	// The unit's mailbox holds exactly one mail: the receipt.
	unit := *dc
	unit.User = "lckjj@163.com"
	deadline := time.Now().Add(30 * time.Second)
	for unit.Count(t, "INBOX") == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no receipt arrived\n%s", mta.Log())
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	if n := unit.Count(t, "INBOX"); n != 1 {
		t.Fatalf("%d mails in the unit's mailbox, want 1", n)
	}
	c := unit.Client(t)
	defer c.Close()
	if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
	if err != nil || len(msgs) != 1 || len(msgs[0].BodySection) != 1 {
		t.Fatalf("fetch: %v", err)
	}
	mr, err := mail.CreateReader(bytes.NewReader(msgs[0].BodySection[0].Bytes))
	if err != nil {
		t.Fatal(err)
	}
	h := mr.Header
	subject, _ := h.Subject()
	from, _ := h.AddressList("From")
	irt, _ := h.MsgIDList("In-Reply-To")
	id, _ := h.MessageID()
	if subject != "自动回执：陵川县科技局报送材料" || len(from) != 1 || from[0].Address != dc.User || from[0].Name != "晋城市科学技术局" ||
		len(irt) != 1 || irt[0] != "sub-1@163.com" || h.Get("Auto-Submitted") != "auto-replied" || !strings.Contains(h.Get("Received"), "mta.shoubao.test") {
		t.Errorf("receipt headers: subject %q from %v in-reply-to %v auto-submitted %q received %q",
			subject, from, irt, h.Get("Auto-Submitted"), h.Get("Received"))
	}
	p, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(p.Body)
	for _, want := range []string{"陵川县发展改革和科技局：", "report.pdf — 活动总结报告 ✓", "贵单位尚缺：开展情况统计表、影像资料", "0356-2035555"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("receipt text lacks %q:\n%s", want, text)
		}
	}
	// Filed in the contact mailbox's Sent folder (created: it had none).
	found, err := mailout.InSent(ctx, mailout.IMAP{Host: dc.Host(), Port: dc.Port(), TLS: mailout.TLSNone, User: dc.User, Password: dc.Password}, "<"+id+">")
	if err != nil || !found {
		t.Errorf("receipt not in the Sent folder: %v %v", found, err)
	}
}
