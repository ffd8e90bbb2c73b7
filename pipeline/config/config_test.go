package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadExample(t *testing.T) {
	t.Setenv("SHOUBAO_SMTP_PASSWORD", "x")
	t.Setenv("SHOUBAO_IMAP_JCSKJJPTK", "x")
	t.Setenv("SHOUBAO_IMAP_KXXHB88", "x")
	cfg, err := Load(filepath.Join("..", "..", "deploy", "shoubao.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cp := cfg.CampaignByID("jc-2026-kjhdz")
	if cp == nil {
		t.Fatal("campaign missing")
	}
	want := time.Date(2026, 6, 9, 0, 0, 0, 0, ChinaTime())
	if !cp.Deadline.End.Equal(want) {
		t.Errorf("deadline end = %v, want %v", cp.Deadline.End, want)
	}
	if cp.Delivery != DeliveryEach || len(cp.Mailboxes) != 2 || cp.Mailboxes[0].IMAP.User != "jcskjjptk@163.com" || cp.Mailboxes[0].IMAP.Folder != "INBOX" {
		t.Errorf("campaign decoded wrong: %+v", cp)
	}
	if cfg.Bus.Embedded.MaxStore != 20<<30 || cfg.Poll.StaleAfter != 30*time.Minute || cfg.MemoryLimit != 64<<20 {
		t.Errorf("sizes/durations decoded wrong: %v %v %v", cfg.Bus.Embedded.MaxStore, cfg.Poll.StaleAfter, cfg.MemoryLimit)
	}
}

func TestDeadlineLate(t *testing.T) {
	d, err := ParseDeadline("2026-06-08")
	if err != nil {
		t.Fatal(err)
	}
	cst := ChinaTime()
	for _, tc := range []struct {
		at   time.Time
		late bool
	}{
		{time.Date(2026, 6, 8, 23, 59, 59, 0, cst), false},
		{time.Date(2026, 6, 9, 0, 0, 0, 0, cst), true},
		{time.Date(2026, 6, 8, 15, 59, 0, 0, time.UTC), false}, // 23:59 in China
		{time.Date(2026, 6, 8, 16, 0, 0, 0, time.UTC), true},   // 00:00 on the 9th in China
	} {
		if got := d.Late(tc.at); got != tc.late {
			t.Errorf("Late(%v) = %v, want %v", tc.at, got, tc.late)
		}
	}
}

// TestEveryProblemReported checks that one bad file yields every problem,
// each at its key path.
func TestEveryProblemReported(t *testing.T) {
	os.Unsetenv("MISSING_SECRET_ENV")
	src := `
log_level: loud
store: {url: "mysql://x"}
poll: {post_process: delete}
campaigns:
  - id: "bad id"
    deadline: 2026-06-08
    materials: [report, poster]
    delivery: both
    mailboxes:
      - address: not-an-address
        imap: {host: imap.163.com, tls: none, password: hunter2}
      - address: b@163.com
        imap: {password_env: MISSING_SECRET_ENV}
    units:
      - name: 甲局
        senders: [nope]
      - name: 乙局
        aliases: [甲局]
`
	_, err := Parse([]byte(src))
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("want *Error, got %v", err)
	}
	wantPaths := []string{
		"log_level", "store.url", "poll.post_process",
		"campaigns[0].id", "campaigns[0].title", "campaigns[0].materials[1]", "campaigns[0].delivery",
		"campaigns[0].mailboxes[0].address", "campaigns[0].mailboxes[0].imap.tls", "campaigns[0].mailboxes[0].imap.password",
		"campaigns[0].mailboxes[1].imap.host", "campaigns[0].mailboxes[1].imap",
		"campaigns[0].units[0].senders[0]", "campaigns[0].units[1]",
	}
	got := map[string]bool{}
	for _, p := range ce.Problems {
		got[p.Path] = true
	}
	for _, w := range wantPaths {
		if !got[w] {
			t.Errorf("no problem reported at %s; got:\n%v", w, err)
		}
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Error("error message leaks the password")
	}
}

// TestBadValuesDoNotHideOtherProblems: a value that cannot be decoded is
// reported together with everything else, not instead of it.
func TestBadValuesDoNotHideOtherProblems(t *testing.T) {
	src := `
store: {url: "mysql://x"}
memory_limit: 1MB
bus: {embedded: {max_store: lots}}
poll: {interval: soon}
campaigns:
  - id: c1
    title: t
    deadline: 6月8日
    materials: [report, 视频]
    mailboxes:
      - address: a@163.com
        imap: {host: imap.163.com, password: abc123}
`
	_, err := Decode([]byte(src))
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("want *Error, got %v", err)
	}
	for _, want := range []string{"store.url", "campaigns[0].deadline", "campaigns[0].materials[1]", "campaigns[0].mailboxes[0].imap.password", "memory_limit", "line 4", "line 5"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("problem at %q not reported:\n%v", want, err)
		}
	}
}

func TestUnknownKey(t *testing.T) {
	_, err := Decode([]byte("campaings: []\n"))
	if err == nil || !strings.Contains(err.Error(), "campaings") {
		t.Fatalf("unknown key not reported: %v", err)
	}
}

func TestDecodeSkipsSecretPresence(t *testing.T) {
	src := `
campaigns:
  - id: c1
    title: t
    deadline: 2026-06-08
    materials: [report]
    mailboxes:
      - address: a@163.com
        imap: {host: imap.163.com, password_env: SHOUBAO_TEST_UNSET_SECRET}
`
	if _, err := Decode([]byte(src)); err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if _, err := Parse([]byte(src)); err == nil || !strings.Contains(err.Error(), "SHOUBAO_TEST_UNSET_SECRET") {
		t.Fatalf("Parse should report the unset secret, got %v", err)
	}
}

func TestByteSize(t *testing.T) {
	for in, want := range map[string]ByteSize{"512": 512, "64KB": 64 << 10, "256MB": 256 << 20, "20GB": 20 << 30, "1 GiB": 1 << 30} {
		got, err := ParseByteSize(in)
		if err != nil || got != want {
			t.Errorf("ParseByteSize(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseByteSize("lots"); err == nil {
		t.Error("ParseByteSize(lots) should fail")
	}
}
