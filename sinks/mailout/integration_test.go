package mailout_test

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	_ "github.com/emersion/go-message/charset" // GBK and other charsets in headers
	"github.com/emersion/go-message/mail"

	"github.com/shoubao/shoubao/pipeline/poller/imaptest"
	"github.com/shoubao/shoubao/sinks/mailout"
	"github.com/shoubao/shoubao/sinks/mailout/mtatest"
)

// composeReceipt is a receipt as shoubao composes one: a Chinese subject
// (RFC 2047), threading headers, Auto-Submitted, a UTF-8 body.
func composeReceipt(from, to, subject, id, inReplyTo, body string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s <%s>\r\n", mime.BEncoding.Encode("UTF-8", "晋城市科学技术局"), from)
	fmt.Fprintf(&b, "To: %s\r\n", to)
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.BEncoding.Encode("UTF-8", subject))
	fmt.Fprintf(&b, "Date: %s\r\n", time.Date(2026, 6, 8, 10, 30, 0, 0, time.FixedZone("CST", 8*3600)).Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: %s\r\n", id)
	fmt.Fprintf(&b, "In-Reply-To: %s\r\nReferences: %s\r\n", inReplyTo, inReplyTo)
	b.WriteString("Auto-Submitted: auto-replied\r\n")
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(strings.ReplaceAll(body, "\n", "\r\n"))
	return b.Bytes()
}

// waitFor fetches the first message of folder once it arrives.
func waitFor(t *testing.T, s *imaptest.Server, folder string, log func() string) []byte {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for s.Count(t, folder) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("nothing arrived in %s\n%s", folder, log())
		}
		time.Sleep(100 * time.Millisecond)
	}
	c := s.Client(t)
	defer c.Close()
	if _, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("fetch: %v (%d messages)", err, len(msgs))
	}
	for _, b := range msgs[0].BodySection {
		return b.Bytes
	}
	t.Fatal("no body")
	return nil
}

func TestPostfixDeliversToDovecot(t *testing.T) {
	t.Parallel()
	mtatest.Check(t)
	dc := imaptest.DovecotWith(t, imaptest.DovecotOptions{LMTP: true})
	mta := mtatest.Postfix(t, dc.LMTPAddr)

	const (
		subject = "回执：已收到晋城博物馆的材料（活动总结报告、影像资料）"
		id      = "<receipt-1.jskz-2026-3@shoubao.test>"
		orig    = "<20260607153000.abc@unit.example.cn>"
		body    = "晋城博物馆：\n\n你单位6月7日报送的材料已收到：活动总结报告、影像资料（视频2分40秒）。\n\n晋城市科学技术局\n"
	)
	raw := composeReceipt("jcskjjptk@163.com", dc.User, subject, id, orig, body)
	smtpCfg := mailout.SMTP{Host: mta.Host(), Port: mta.Port(), TLS: mailout.TLSNone}
	if err := mailout.Send(ctxT(t), smtpCfg, "jcskjjptk@163.com", []string{dc.User}, raw); err != nil {
		t.Fatalf("%v\n%s", err, mta.Log())
	}

	got := waitFor(t, dc, "INBOX", mta.Log)
	mr, err := mail.CreateReader(bytes.NewReader(got))
	if err != nil {
		t.Fatal(err)
	}
	h := mr.Header
	if s, err := h.Subject(); err != nil || s != subject {
		t.Errorf("Subject = %q, %v; want %q", s, err, subject)
	}
	if s, err := h.MessageID(); err != nil || "<"+s+">" != id {
		t.Errorf("Message-ID = %q, %v", s, err)
	}
	if ids, err := h.MsgIDList("In-Reply-To"); err != nil || len(ids) != 1 || "<"+ids[0]+">" != orig {
		t.Errorf("In-Reply-To = %q, %v", ids, err)
	}
	if s := h.Get("Auto-Submitted"); s != "auto-replied" {
		t.Errorf("Auto-Submitted = %q", s)
	}
	if from, err := h.AddressList("From"); err != nil || len(from) != 1 || from[0].Name != "晋城市科学技术局" || from[0].Address != "jcskjjptk@163.com" {
		t.Errorf("From = %v, %v", from, err)
	}
	// Postfix added its trace header on the way.
	if !strings.Contains(h.Get("Received"), "mta.shoubao.test") {
		t.Errorf("no Received header of the test MTA: %q", h.Get("Received"))
	}
	p, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(p.Body)
	if strings.ReplaceAll(string(text), "\r\n", "\n") != body {
		t.Errorf("body = %q, want %q", text, body)
	}

	// The same receipt filed in the Sent folder of the same Dovecot,
	// which has none yet: created, then found.
	imapCfg := imapConfig(dc)
	if found, err := mailout.InSent(ctxT(t), imapCfg, id); err != nil || found {
		t.Fatalf("InSent before SaveSent = %v, %v", found, err)
	}
	for range 2 {
		if err := mailout.SaveSent(ctxT(t), imapCfg, raw, id); err != nil {
			t.Fatal(err)
		}
	}
	if found, err := mailout.InSent(ctxT(t), imapCfg, id); err != nil || !found {
		t.Fatalf("InSent after SaveSent = %v, %v", found, err)
	}
	if n := dc.Count(t, "Sent"); n != 1 {
		t.Errorf("Sent holds %d messages after two SaveSent, want 1", n)
	}
}

// recorder is a TCP proxy to upstream that keeps the lines the client
// sends and, when refuseSearch is set, answers every SEARCH with NO itself.
type recorder struct {
	mu           sync.Mutex
	lines        []string
	refuseSearch bool
}

func record(t *testing.T, upstream string) (string, *recorder) {
	t.Helper()
	return recordWith(t, upstream, &recorder{})
}

func recordWith(t *testing.T, upstream string, r *recorder) (string, *recorder) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", upstream)
			if err != nil {
				c.Close()
				continue
			}
			wg.Add(2)
			go func() { defer wg.Done(); _, _ = io.Copy(c, u); c.Close() }()
			go func() {
				defer wg.Done()
				defer u.Close()
				buf := make([]byte, 32<<10)
				for {
					n, err := c.Read(buf)
					if n > 0 {
						chunk := string(buf[:n])
						r.mu.Lock()
						r.lines = append(r.lines, strings.Split(chunk, "\r\n")...)
						r.mu.Unlock()
						if tag, rest, ok := strings.Cut(chunk, " "); ok && r.refuseSearch && strings.HasPrefix(rest, "UID SEARCH") {
							// The upstream never sees it; the reply comes
							// from here (no response is in flight then).
							_, _ = io.WriteString(c, tag+" NO [CANNOT] HEADER search is not supported\r\n")
							continue
						}
						if _, werr := u.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String(), r
}

func (r *recorder) sent(substr string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range r.lines {
		if strings.Contains(l, substr) {
			return true
		}
	}
	return false
}

func TestCreateSpecialUse(t *testing.T) {
	t.Parallel()
	// Dovecot 2.3 takes CREATE … USE but advertises CREATE-SPECIAL-USE
	// only when told to.
	dc := imaptest.DovecotWith(t, imaptest.DovecotOptions{Conf: "protocol imap {\n  imap_capability = +CREATE-SPECIAL-USE SPECIAL-USE\n}\n"})
	addr, rec := record(t, dc.Addr)
	via := *dc
	via.Addr = addr
	cfg := imapConfig(&via)
	if err := mailout.SaveSent(ctxT(t), cfg, receipt("r1@shoubao.test"), "r1@shoubao.test"); err != nil {
		t.Fatal(err)
	}
	if !rec.sent(`CREATE "Sent" (USE (\Sent))`) {
		t.Errorf("no CREATE … USE (\\Sent) was sent: %q", rec.lines)
	}
	if !rec.sent(`LIST "" "*" RETURN (SPECIAL-USE)`) {
		t.Errorf("no LIST … RETURN (SPECIAL-USE) was sent: %q", rec.lines)
	}
	if found, err := mailout.InSent(ctxT(t), cfg, "r1@shoubao.test"); err != nil || !found {
		t.Fatalf("InSent = %v, %v", found, err)
	}
	if n := dc.Count(t, "Sent"); n != 1 {
		t.Errorf("Sent holds %d messages", n)
	}
}

func TestSentBehind163Quirks(t *testing.T) {
	t.Parallel()
	// 163 refuses SELECT and EXAMINE ("Unsafe Login") until the client
	// has sent ID.
	mem := imaptest.Mem(t)
	mem.CreateFolder(t, "已发送")
	addr, _ := imaptest.Proxy(t, mem.Addr, imaptest.Quirks{RequireID: true})
	via := *mem
	via.Addr = addr
	cfg := imapConfig(&via)
	if err := mailout.SaveSent(ctxT(t), cfg, receipt("r1@shoubao.test"), "r1@shoubao.test"); err != nil {
		t.Fatal(err)
	}
	if err := mailout.SaveSent(ctxT(t), cfg, receipt("r1@shoubao.test"), "r1@shoubao.test"); err != nil {
		t.Fatal(err)
	}
	if found, err := mailout.InSent(ctxT(t), cfg, "r1@shoubao.test"); err != nil || !found {
		t.Fatalf("InSent = %v, %v", found, err)
	}
	if n := mem.Count(t, "已发送"); n != 1 {
		t.Errorf("已发送 holds %d messages", n)
	}
}

func TestInSentWithoutHeaderSearch(t *testing.T) {
	t.Parallel()
	// A server that refuses the HEADER search: the envelopes are compared.
	mem := imaptest.Mem(t)
	addr, rec := recordWith(t, mem.Addr, &recorder{refuseSearch: true})
	via := *mem
	via.Addr = addr
	cfg := imapConfig(&via)
	for _, id := range []string{"r1@shoubao.test", "r2@shoubao.test", "r1@shoubao.test"} {
		if err := mailout.SaveSent(ctxT(t), cfg, receipt(id), id); err != nil {
			t.Fatal(err)
		}
	}
	if n := mem.Count(t, "Sent"); n != 2 {
		t.Errorf("Sent holds %d messages, want 2", n)
	}
	for id, want := range map[string]bool{"r1@shoubao.test": true, "<r2@shoubao.test>": true, "r3@shoubao.test": false} {
		if found, err := mailout.InSent(ctxT(t), cfg, id); err != nil || found != want {
			t.Errorf("InSent(%s) = %v, %v; want %v", id, found, err, want)
		}
	}
	if !rec.sent("UID SEARCH") || !rec.sent("FETCH 1:* (ENVELOPE)") {
		t.Errorf("the search was not refused and replaced: %q", rec.lines)
	}
}
