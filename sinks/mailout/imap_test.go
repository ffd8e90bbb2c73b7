package mailout_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"

	"github.com/shoubao/shoubao/pipeline/poller/imaptest"
	"github.com/shoubao/shoubao/sinks/mailout"
)

func imapConfig(s *imaptest.Server) mailout.IMAP {
	return mailout.IMAP{Host: s.Host(), Port: s.Port(), TLS: mailout.TLSNone, User: s.User, Password: s.Password}
}

// folders lists the server's folders with their attributes.
func folders(t *testing.T, s *imaptest.Server) map[string][]imap.MailboxAttr {
	t.Helper()
	c := s.Client(t)
	defer c.Close()
	list, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]imap.MailboxAttr{}
	for _, m := range list {
		out[m.Mailbox] = m.Attrs
	}
	return out
}

// checkSaveSent files a receipt twice and checks that folder holds it
// once, seen, and that InSent finds it and nothing else.
func checkSaveSent(t *testing.T, s *imaptest.Server, folder string) {
	t.Helper()
	cfg := imapConfig(s)
	ctx := ctxT(t)
	if found, err := mailout.InSent(ctx, cfg, "<r1@shoubao.test>"); err != nil || found {
		t.Fatalf("InSent before SaveSent = %v, %v", found, err)
	}
	raw := receipt("r1@shoubao.test")
	if err := mailout.SaveSent(ctx, cfg, raw, "<r1@shoubao.test>"); err != nil {
		t.Fatal(err)
	}
	// Again, with the id given without brackets: nothing is added.
	if err := mailout.SaveSent(ctx, cfg, raw, "r1@shoubao.test"); err != nil {
		t.Fatal(err)
	}
	if n := s.Count(t, folder); n != 1 {
		t.Fatalf("%s holds %d messages, want 1", folder, n)
	}
	for uid, flags := range s.Flags(t, folder) {
		if !hasFlag(flags, imap.FlagSeen) {
			t.Errorf("uid %d flags %v, want \\Seen", uid, flags)
		}
	}
	for _, id := range []string{"<r1@shoubao.test>", "r1@shoubao.test"} {
		if found, err := mailout.InSent(ctx, cfg, id); err != nil || !found {
			t.Errorf("InSent(%s) = %v, %v; want true", id, found, err)
		}
	}
	// Neither a longer id containing it nor a prefix of it.
	for _, id := range []string{"<xr1@shoubao.test>", "<r1@shoubao.tes>", "<r2@shoubao.test>"} {
		if found, err := mailout.InSent(ctx, cfg, id); err != nil || found {
			t.Errorf("InSent(%s) = %v, %v; want false", id, found, err)
		}
	}
	if err := mailout.SaveSent(ctx, cfg, receipt("r2@shoubao.test"), "r2@shoubao.test"); err != nil {
		t.Fatal(err)
	}
	if n := s.Count(t, folder); n != 2 {
		t.Fatalf("%s holds %d messages, want 2", folder, n)
	}
}

func hasFlag(flags []imap.Flag, f imap.Flag) bool {
	for _, x := range flags {
		if strings.EqualFold(string(x), string(f)) {
			return true
		}
	}
	return false
}

func TestSaveSentCreatesSent(t *testing.T) {
	t.Parallel()
	s := imaptest.Mem(t)
	checkSaveSent(t, s, "Sent")
	if _, ok := folders(t, s)["Sent"]; !ok {
		t.Errorf("no Sent folder: %v", folders(t, s))
	}
}

func TestSaveSentUsesNamedFolder(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"Sent Messages", "已发送", "INBOX/Sent"} {
		t.Run(name, func(t *testing.T) {
			s := imaptest.Mem(t)
			s.CreateFolder(t, name)
			checkSaveSent(t, s, name)
			if _, ok := folders(t, s)["Sent"]; ok {
				t.Errorf("created Sent beside %s", name)
			}
		})
	}
}

func TestInSentWithoutFolder(t *testing.T) {
	t.Parallel()
	s := imaptest.Mem(t)
	found, err := mailout.InSent(ctxT(t), imapConfig(s), "r1@shoubao.test")
	if err != nil || found {
		t.Fatalf("InSent = %v, %v", found, err)
	}
	if f := folders(t, s); len(f) != 1 {
		t.Errorf("InSent changed the folders: %v", f)
	}
}

func TestSaveSentRefuses(t *testing.T) {
	t.Parallel()
	s := imaptest.Mem(t)
	cfg := imapConfig(s)
	ctx := ctxT(t)
	if err := mailout.SaveSent(ctx, cfg, receipt("r1@shoubao.test"), "other@shoubao.test"); !errors.Is(err, mailout.ErrPermanent) {
		t.Errorf("mismatched Message-ID: err = %v, want ErrPermanent", err)
	}
	if err := mailout.SaveSent(ctx, cfg, receipt("r1@shoubao.test"), ""); !errors.Is(err, mailout.ErrPermanent) {
		t.Errorf("no Message-ID: err = %v, want ErrPermanent", err)
	}
	bad := cfg
	bad.Password = "wrong"
	if err := mailout.SaveSent(ctx, bad, receipt("r1@shoubao.test"), "r1@shoubao.test"); !errors.Is(err, mailout.ErrPermanent) {
		t.Errorf("wrong password: err = %v, want ErrPermanent", err)
	}
	remote := cfg
	remote.Host = "imap.163.com"
	if _, err := mailout.InSent(ctx, remote, "r1@shoubao.test"); !errors.Is(err, mailout.ErrPermanent) || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("tls none to a remote host: err = %v, want ErrPermanent", err)
	}
	down := cfg
	down.Port = 1
	if _, err := mailout.InSent(ctx, down, "r1@shoubao.test"); !errors.Is(err, mailout.ErrTemporary) {
		t.Errorf("connection refused: err = %v, want ErrTemporary", err)
	}
	if n := len(folders(t, s)); n != 1 {
		t.Errorf("refused calls created folders: %v", folders(t, s))
	}
}

// A Dovecot whose Sent folder is 已发邮件, marked \Sent, beside a folder
// named Sent that is not: the attribute wins over the names.
const sentSpecialUse = `
namespace inbox {
  inbox = yes
  separator = /
  mailbox "已发邮件" {
    special_use = \Sent
    auto = subscribe
  }
  mailbox Sent {
    auto = create
  }
  mailbox Drafts {
    special_use = \Drafts
    auto = subscribe
  }
}
`

func TestDovecotSentSpecialUse(t *testing.T) {
	t.Parallel()
	s := imaptest.DovecotWith(t, imaptest.DovecotOptions{Conf: sentSpecialUse})
	checkSaveSent(t, s, "已发邮件")
	if n := s.Count(t, "Sent"); n != 0 {
		t.Errorf("%d messages in Sent, which is not the \\Sent folder", n)
	}
}

func TestDovecotSentCreated(t *testing.T) {
	t.Parallel()
	s := imaptest.Dovecot(t)
	checkSaveSent(t, s, "Sent")
	c := s.Client(t)
	defer c.Close()
	t.Logf("capabilities: %v", c.Caps())
	if c.Caps().Has(imap.CapCreateSpecialUse) {
		attrs := folders(t, s)["Sent"]
		if !hasAttr(attrs, imap.MailboxAttrSent) {
			t.Errorf("Sent created without \\Sent on a server with CREATE-SPECIAL-USE: %v", attrs)
		}
	}
}

func hasAttr(attrs []imap.MailboxAttr, a imap.MailboxAttr) bool {
	for _, x := range attrs {
		if strings.EqualFold(string(x), string(a)) {
			return true
		}
	}
	return false
}
