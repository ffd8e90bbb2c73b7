package console_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/console"
	"github.com/shoubao/shoubao/sinks"
	"github.com/shoubao/shoubao/sinks/sqlstore"
)

// fixtureYAML has two campaigns: c1 with three units, and an earlier c2.
const fixtureYAML = `
data_dir: /nonexistent
campaigns:
  - id: c1
    title: 2026年测试活动
    deadline: 2026-06-08
    video_limit_seconds: 180
    materials: [report, media]
    mailboxes:
      - address: box@163.com
        imap: {host: imap.163.com, password_env: SHOUBAO_TEST_UNSET}
    units:
      - {name: 陵川县科技局, senders: [lc@163.com], contact: 张三, phone: 0356-1234567}
      - {name: 泽州县教育局}
      - {name: 泽州县科协}
  - id: c2
    title: 2025年测试活动
    deadline: 2025-06-08
    materials: [report]
    mailboxes:
      - address: old@163.com
        imap: {host: imap.163.com, password_env: SHOUBAO_TEST_UNSET}
    units:
      - {name: 高平市科技局, senders: [gp@163.com], contact: 王五, phone: "13900001111"}
`

// Passwords of the fixture's users.
const (
	officer, officerPW = "王科长", "correct-horse-1"
	viewer, viewerPW   = "李干事", "battery-staple-2"
)

// fixture is a console over a real SQLite store holding a few messages,
// with files in memory, served by httptest.
type fixture struct {
	t     *testing.T
	store *sqlstore.Store
	cfg   *config.Config
	files memFiles
	srv   *httptest.Server
	// sha names the stored files by their name.
	sha map[string]string

	mu  sync.Mutex
	now time.Time
}

type memFiles map[string][]byte

func (m memFiles) OpenFile(_ context.Context, sha string) (io.ReadCloser, error) {
	b, ok := m[sha]
	if !ok {
		return nil, fmt.Errorf("open file %s: %w", sha, sinks.ErrNotFound)
	}
	return io.NopCloser(strings.NewReader(string(b))), nil
}

type fixtureOpt func(*config.Config, *console.Options)

func tlsCookies(mode config.SecureCookies) fixtureOpt {
	return func(c *config.Config, _ *console.Options) { c.HTTP.SecureCookies = mode }
}

func newFixture(t *testing.T, opts ...fixtureOpt) *fixture {
	t.Helper()
	cfg, err := config.Decode([]byte(fixtureYAML))
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	f := &fixture{t: t, store: st, cfg: cfg, files: memFiles{}, sha: map[string]string{},
		now: time.Date(2026, 6, 7, 10, 0, 0, 0, time.UTC)}
	f.seed()
	for _, u := range []struct{ name, pw, role string }{{officer, officerPW, sinks.RoleOfficer}, {viewer, viewerPW, sinks.RoleViewer}} {
		h, _ := bcrypt.GenerateFromPassword([]byte(u.pw), bcrypt.MinCost)
		if err := st.AddUser(context.Background(), sinks.User{Name: u.name, Role: u.role, PasswordHash: string(h)}); err != nil {
			t.Fatal(err)
		}
	}
	o := console.Options{Config: cfg, Store: st, Files: f.files, Now: f.clock, CacheFor: time.Nanosecond, StaleFor: time.Nanosecond}
	for _, opt := range opts {
		opt(cfg, &o)
	}
	f.srv = httptest.NewServer(console.New(o))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

// file stores content under name and returns the attachment.
func (f *fixture) file(name, kind string, content string, details string) sinks.Attachment {
	sum := sha256.Sum256([]byte(content))
	sha := hex.EncodeToString(sum[:])
	f.files[sha] = []byte(content)
	f.sha[name] = sha
	a := sinks.Attachment{Parent: -1, Name: name, Kind: kind, Size: int64(len(content)), SHA256: sha, Findings: json.RawMessage(`[]`)}
	if details != "" {
		a.Details = json.RawMessage(details)
	}
	return a
}

func (f *fixture) seed() {
	at := func(day, hour int) time.Time { return time.Date(2026, 6, day, hour, 0, 0, 0, time.UTC) }
	msgs := []*sinks.Message{
		{CampaignID: "c1", MailboxID: "c1/box@163.com", UID: 1, InternalDate: at(5, 2), MessageID: "m1@163.com",
			Subject: "陵川县科技局活动总结", From: "陵川县科技局 <lc@163.com>", Class: "submission",
			Attachments: []sinks.Attachment{
				f.file("总结报告.docx", "report", "陵川县的总结报告", ""),
				f.file("宣传片.mp4", "video", "not really a video", `{"video":{"container":"mp4","duration_seconds":200,"video_seconds":200}}`),
				f.file("统计表.xlsx", "stats_table", "a table", `{"stats":{"unit":"陵川县科技局","fields":{"科普活动开展次数":{"value":12,"raw":"12"},"线下活动群众参与数量":{"value":30000,"raw":"3万"}}}}`),
			}},
		{CampaignID: "c1", MailboxID: "c1/box@163.com", UID: 2, InternalDate: at(6, 3), MessageID: "m2@163.com",
			Subject: "泽州县活动材料", From: "zz@163.com", Class: "submission",
			Attachments: []sinks.Attachment{
				f.file("活动总结.docx", "report", "泽州县的总结", ""),
				f.file("活动照片.jpg", "photo", "jpeg bytes", ""),
			}},
		{CampaignID: "c1", MailboxID: "c1/box@163.com", UID: 3, InternalDate: at(6, 5), MessageID: "m3@163.com",
			Subject: "请问截止时间是哪天？", From: "someone@qq.com", Class: "submission",
			Analysis: json.RawMessage(`{"message":{"text":"您好，请问材料截止时间是哪天？谢谢"}}`)},
		{CampaignID: "c2", MailboxID: "c2/old@163.com", UID: 1, InternalDate: time.Date(2025, 6, 1, 2, 0, 0, 0, time.UTC),
			MessageID: "old1@163.com", Subject: "高平市科技局2025总结", From: "gp@163.com", Class: "submission",
			Attachments: []sinks.Attachment{f.file("2025总结.docx", "report", "高平市 2025", "")}},
	}
	for i, m := range msgs {
		m.RawObject = fmt.Sprintf("%s/%d", m.MailboxID, m.UID)
		m.RawSHA256 = fmt.Sprintf("%064x", i+1)
		m.UIDValidity = 1
		m.Findings = json.RawMessage(`[]`)
		for j := range m.Attachments {
			m.Attachments[j].Index = j
		}
		if _, _, err := f.store.SaveMessage(context.Background(), m); err != nil {
			f.t.Fatal(err)
		}
	}
}

// client is a browser: a cookie jar, redirects not followed.
type client struct {
	f  *fixture
	hc *http.Client
	// origin, when set, is sent as the Origin header of POSTs.
	origin string
}

func (f *fixture) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{f: f, origin: f.srv.URL, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// page is a response, its body read.
type page struct {
	*http.Response
	body string
}

func (c *client) get(path string) page {
	c.f.t.Helper()
	resp, err := c.hc.Get(c.f.srv.URL + path)
	return c.read(resp, err)
}

func (c *client) post(path string, form url.Values) page {
	c.f.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.f.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.origin != "" {
		req.Header.Set("Origin", c.origin)
	}
	resp, err := c.hc.Do(req)
	return c.read(resp, err)
}

func (c *client) read(resp *http.Response, err error) page {
	c.f.t.Helper()
	if err != nil {
		c.f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return page{resp, string(b)}
}

var (
	reLoginToken = regexp.MustCompile(`name="token" value="([^"]+)"`)
	reCSRF       = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
)

// login logs in and returns the response to the login form.
func (c *client) login(name, password string) page {
	c.f.t.Helper()
	p := c.get("/login")
	m := reLoginToken.FindStringSubmatch(p.body)
	if m == nil {
		c.f.t.Fatalf("login page without token:\n%s", p.body)
	}
	return c.post("/login", url.Values{"name": {name}, "password": {password}, "token": {m[1]}, "next": {"/c/c1/"}})
}

// as returns a client logged in as name.
func (f *fixture) as(name, password string) *client {
	f.t.Helper()
	c := f.client()
	if p := c.login(name, password); p.StatusCode != http.StatusSeeOther {
		f.t.Fatalf("login as %s: %d\n%s", name, p.StatusCode, p.body)
	}
	return c
}

// csrf reads the session's CSRF token from a page.
func (c *client) csrf() string {
	c.f.t.Helper()
	p := c.get("/c/c1/units")
	m := reCSRF.FindStringSubmatch(p.body)
	if m == nil {
		c.f.t.Fatalf("no csrf token on the units page (%d)", p.StatusCode)
	}
	return m[1]
}

func (f *fixture) decisions(campaign string) []sinks.Decision {
	f.t.Helper()
	ds, err := f.store.Decisions(context.Background(), campaign)
	if err != nil {
		f.t.Fatal(err)
	}
	return ds
}

var regexpRows = regexp.MustCompile(`name="rows" value="([^"]*)"`)

// htmlUnescape reads an attribute value as the browser would.
func htmlUnescape(s string) string { return html.UnescapeString(s) }
