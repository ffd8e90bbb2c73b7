package console_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/console"
	"github.com/shoubao/shoubao/pipeline/demo"
	"github.com/shoubao/shoubao/pipeline/imapmem"
	"github.com/shoubao/shoubao/pipeline/report"
	"github.com/shoubao/shoubao/pipeline/rules"
	"github.com/shoubao/shoubao/pipeline/service"
	"github.com/shoubao/shoubao/sinks"
)

// oldCampaign is a second campaign next to the demo's, with no mail: its
// pages must not serve the demo's files.
const oldCampaign = "jc-2025-old"

// demoEnv is the demo's record — the sample mailboxes run through the
// real pipeline (pollers, bus, workers) into an embedded store and bus —
// shared by the tests of this package that want realistic content.
type demoEnv struct {
	cfg *config.Config
	svc *service.Service
	dir string
}

var (
	demoOnce sync.Once
	demoData *demoEnv
	demoErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if demoData != nil {
		demoData.svc.Close()
		os.RemoveAll(demoData.dir)
	}
	os.Exit(code)
}

// theDemo runs the demo pipeline once per test binary.
func theDemo(t testing.TB) *demoEnv {
	t.Helper()
	demoOnce.Do(func() { demoData, demoErr = runDemo() })
	if demoErr != nil {
		t.Fatal(demoErr)
	}
	return demoData
}

func runDemo() (*demoEnv, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "shoubao-console-demo-")
	if err != nil {
		return nil, err
	}
	srv, err := imapmem.Start("127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	for _, mb := range []string{demo.MailboxBureau, demo.MailboxAssoc, "old@163.com"} {
		if err := srv.AddUser(mb, demo.Password); err != nil {
			return nil, err
		}
	}
	for _, m := range demo.Mails() {
		for _, to := range m.To {
			if _, err := srv.Append(to, "INBOX", m.Raw, m.Received); err != nil {
				return nil, err
			}
		}
	}
	pw := filepath.Join(dir, "imap-password")
	if err := os.WriteFile(pw, []byte(demo.Password), 0o600); err != nil {
		return nil, err
	}
	src := fmt.Sprintf("data_dir: %q\nlog_level: error\ncampaigns:%s", dir, demo.CampaignYAML("127.0.0.1", srv.Port(), pw)) +
		fmt.Sprintf(`
  - id: %s
    title: 2025年晋城市科技活动周
    deadline: 2025-06-08
    materials: [report]
    mailboxes:
      - address: old@163.com
        office: 晋城市科学技术局
        imap: {host: 127.0.0.1, port: %d, tls: none, password_file: %q}
    units:
      - {name: 晋城市规划馆, senders: [jcghg@163.com], contact: 赵六, phone: 0356-2220000}
`, oldCampaign, srv.Port(), pw)
	cfg, err := config.Parse([]byte(src))
	if err != nil {
		return nil, err
	}
	svc, err := service.Open(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	octx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := svc.Once(octx); err != nil {
		svc.Close()
		return nil, err
	}
	if err := dressDemo(ctx, svc.Store()); err != nil {
		svc.Close()
		return nil, err
	}
	return &demoEnv{cfg: cfg, svc: svc, dir: dir}, nil
}

// dressDemo adds what the sample mailbox lacks for the pages to show
// everything: a question from a unit, and the mailboxes' health the
// morning after the deadline, one of them failing to log in.
func dressDemo(ctx context.Context, st service.Store) error {
	q := &sinks.Message{CampaignID: demo.CampaignID, MailboxID: campaign.MailboxID(demo.CampaignID, demo.MailboxBureau),
		UIDValidity: 1, UID: 900, RawObject: "dress/900", RawSHA256: strings.Repeat("9", 64), RawSize: 900,
		InternalDate: time.Date(2026, 6, 9, 9, 5, 0, 0, campaign.ChinaTime()), MessageID: "question.900@163.com",
		Subject: "咨询：视频超过3分钟怎么办？", From: "晋城市图书馆 <jctsg@163.com>", Class: "submission",
		Findings: json.RawMessage(`[]`),
		Analysis: json.RawMessage(`{"message":{"text":"您好，我馆的活动视频剪辑后是3分20秒，请问是否可以？还是必须压缩到3分钟以内？谢谢！\n晋城市图书馆 赵老师"}}`)}
	if _, _, err := st.SaveMessage(ctx, q); err != nil {
		return err
	}
	morning := time.Date(2026, 6, 9, 10, 28, 0, 0, campaign.ChinaTime())
	cps, err := st.Checkpoints(ctx)
	if err != nil {
		return err
	}
	for _, cp := range cps {
		cp.LastSync = morning
		if cp.Address == demo.MailboxAssoc {
			cp.LastSync = morning.Add(-47 * time.Minute)
			cp.LastError = "login: NO [AUTHENTICATIONFAILED] Invalid login or password"
			cp.LastErrorAt = morning.Add(-2 * time.Minute)
		}
		if err := st.SaveCheckpoint(ctx, cp); err != nil {
			return err
		}
	}
	return nil
}

func (d *demoEnv) store() console.Store { return d.svc.Store().(console.Store) }

// campaign is the demo campaign as the rules see it.
func (d *demoEnv) campaign() *campaign.Campaign {
	c := d.cfg.CampaignByID(demo.CampaignID).Domain()
	return &c
}

// report is what `shoubao report --format json` says now.
func (d *demoEnv) report(t testing.TB) *rules.State {
	t.Helper()
	st, err := report.Compute(context.Background(), d.svc.Store(), d.campaign(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// addUser adds a user with a random name's password, returning the
// password.
func (d *demoEnv) addUser(t testing.TB, name, role string) string {
	t.Helper()
	pw := "pw-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	h, _ := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	err := d.store().(interface {
		AddUser(context.Context, sinks.User) error
	}).AddUser(context.Background(), sinks.User{Name: name, Role: role, PasswordHash: string(h)})
	if err != nil {
		t.Fatal(err)
	}
	return pw
}

// console serves the console over the demo's record, at a fixed moment
// the morning after the deadline.
func (d *demoEnv) console(t testing.TB) *httptest.Server {
	t.Helper()
	now := time.Date(2026, 6, 9, 10, 30, 0, 0, campaign.ChinaTime())
	srv := httptest.NewServer(console.New(console.Options{Config: d.cfg, Store: d.store(), Files: d.svc.Bus(),
		Now: func() time.Time { return now }}))
	t.Cleanup(srv.Close)
	return srv
}

var reCount = regexp.MustCompile(`data-count="(\w+)">(\d+)<`)

// TestDemoOverview: on the demo's record, the overview's numbers are the
// report's, a Chinese-named file downloads intact, and the other
// campaign does not serve it.
func TestDemoOverview(t *testing.T) {
	d := theDemo(t)
	srv := d.console(t)
	f := &fixture{t: t, srv: srv}
	c := f.client()
	pw := d.addUser(t, "查看员甲", sinks.RoleViewer)
	if p := c.login("查看员甲", pw); p.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", p.StatusCode)
	}
	p := c.get("/c/" + demo.CampaignID + "/")
	if p.StatusCode != http.StatusOK {
		t.Fatalf("overview: %d", p.StatusCode)
	}
	got := map[string]int{}
	for _, m := range reCount.FindAllStringSubmatch(p.body, -1) {
		got[m[1]], _ = strconv.Atoi(m[2])
	}
	n := d.report(t).Counts
	want := map[string]int{"expected": n.Expected, "submitted": n.Submitted, "on_time": n.OnTime, "late": n.Late,
		"incomplete": n.Incomplete, "not_submitted": n.NotSubmitted, "with_problems": n.WithProblems,
		"unmatched": n.Unmatched, "inquiries": n.Inquiries, "messages": n.Messages}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("overview %s = %d, report says %d", k, got[k], v)
		}
	}
	name, sha := chineseFile(t, d.report(t))
	p = c.get("/c/" + demo.CampaignID + "/files/" + sha)
	sum := sha256.Sum256([]byte(p.body))
	if p.StatusCode != http.StatusOK || hex.EncodeToString(sum[:]) != sha {
		t.Fatalf("download of %s: %d, SHA-256 %x", name, p.StatusCode, sum)
	}
	if cd := p.Header.Get("Content-Disposition"); cd == "" || !regexp.MustCompile(`filename\*=UTF-8''`+regexp.QuoteMeta(url.PathEscape(name))).MatchString(cd) {
		t.Errorf("Content-Disposition %q does not name %s", cd, name)
	}
	if p := c.get("/c/" + oldCampaign + "/files/" + sha); p.StatusCode != http.StatusNotFound {
		t.Errorf("the demo's file under %s: %d, want 404", oldCampaign, p.StatusCode)
	}
	// The exports, made on demand: .xlsx tables and the zip of materials.
	for _, kind := range []string{"stats", "recommend", "list", "files"} {
		p := c.get("/c/" + demo.CampaignID + "/exports/" + kind)
		if p.StatusCode != http.StatusOK || !strings.HasPrefix(p.body, "PK\x03\x04") || !strings.Contains(p.Header.Get("Content-Disposition"), "filename*=UTF-8''") {
			t.Errorf("export %s: %d, %d bytes, %q", kind, p.StatusCode, len(p.body), p.Header.Get("Content-Disposition"))
		}
	}
	// Every page of both campaigns renders.
	for _, id := range []string{demo.CampaignID, oldCampaign} {
		for _, path := range []string{"/", "/units", "/pending", "/roster", "/mail", "/mailboxes", "/exports"} {
			if p := c.get("/c/" + id + path); p.StatusCode != http.StatusOK {
				t.Errorf("%s%s: %d", id, path, p.StatusCode)
			}
		}
	}
	for _, u := range d.report(t).Units {
		if p := c.get("/c/" + demo.CampaignID + "/units/" + url.PathEscape(u.Name)); p.StatusCode != http.StatusOK {
			t.Errorf("unit %s: %d", u.Name, p.StatusCode)
		}
	}
}

// chineseFile returns a stored file with a Chinese name from the state:
// its name and SHA-256.
func chineseFile(t testing.TB, st *rules.State) (name, sha string) {
	t.Helper()
	for _, u := range st.Units {
		for _, m := range u.Messages {
			for _, f := range m.Files {
				if f.SHA256 != "" && f.Kind == "report" && regexp.MustCompile(`\p{Han}`).MatchString(f.Name) {
					return f.Name, f.SHA256
				}
			}
		}
	}
	t.Fatal("no Chinese-named report in the demo")
	return "", ""
}
