package console_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/console"
	"github.com/shoubao/shoubao/pipeline/report"
	"github.com/shoubao/shoubao/sinks"
	"github.com/shoubao/shoubao/sinks/sqlstore"
	"github.com/shoubao/shoubao/sinks/sqlstore/pgtest"
)

// BenchmarkPages renders every page of a province-sized campaign — 500
// units, 5,000 messages each in two mailboxes (10,000 stored copies,
// three files each) and 50 messages no unit could be matched to — on
// both stores, logged in (each request looks its session up in the
// store). The reference is report.Compute alone, in the same run. "warm"
// is the steady state: the judged state is cached and the
// page renders from it; "cold" judges the campaign again first, as after
// a decision or when the cache has expired.
//
//	go test -run XXX -bench Pages -benchtime 20x ./pipeline/console
func BenchmarkPages(b *testing.B) {
	const units, messages, unmatched = 500, 5000, 50
	var ys strings.Builder
	ys.WriteString(`
campaigns:
  - id: big
    title: 省级活动
    deadline: 2026-06-08
    video_limit_seconds: 180
    materials: [report, stats_table, media]
    delivery: each
    mailboxes:
      - {address: a@163.com, imap: {host: imap.163.com, password_env: X}}
      - {address: b@163.com, imap: {host: imap.163.com, password_env: X}}
    units:
`)
	for i := 0; i < units; i++ {
		fmt.Fprintf(&ys, "      - {name: 第%03d县科技局, senders: [u%03d@163.com], contact: 联系人%d, phone: 0356-2%06d}\n", i, i, i, i)
	}
	cfg, err := config.Decode([]byte(ys.String()))
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range []struct {
		name string
		open func(b *testing.B) *sqlstore.Store
	}{
		{"sqlite", func(b *testing.B) *sqlstore.Store {
			st, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(b.TempDir(), "s.db"))
			if err != nil {
				b.Fatal(err)
			}
			return st
		}},
		{"postgres", func(b *testing.B) *sqlstore.Store {
			st, err := sqlstore.OpenPostgres(context.Background(), pgtest.SchemaURL(b))
			if err != nil {
				b.Fatal(err)
			}
			return st
		}},
	} {
		b.Run(s.name, func(b *testing.B) {
			st := s.open(b)
			defer st.Close()
			seedBig(b, st, cfg, messages, unmatched)
			token := "bench-session-token"
			sum := sha256.Sum256([]byte(token))
			ctx := context.Background()
			if err := st.AddUser(ctx, sinks.User{Name: "王科长", Role: sinks.RoleOfficer, PasswordHash: "x"}); err != nil {
				b.Fatal(err)
			}
			if err := st.CreateSession(ctx, sinks.Session{TokenHash: hex.EncodeToString(sum[:]), User: "王科长", CSRF: "c",
				ExpiresAt: time.Now().Add(24 * time.Hour)}); err != nil {
				b.Fatal(err)
			}
			h := console.New(console.Options{Config: cfg, Store: st, Files: memFiles{}, CacheFor: time.Hour, StaleFor: time.Hour})
			get := func(b *testing.B, path string) {
				req := httptest.NewRequest("GET", path, nil)
				req.AddCookie(&http.Cookie{Name: "shoubao_session", Value: token})
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("%s: %d\n%s", path, w.Code, w.Body.String())
				}
			}
			pages := []struct{ name, path string }{
				{"overview", "/c/big/"},
				{"units", "/c/big/units"},
				{"units-by-name", "/c/big/units?sort=name"},
				{"unit", "/c/big/units/" + url.PathEscape("第250县科技局")},
				{"pending", "/c/big/pending"},
				{"roster", "/c/big/roster"},
				{"mail", "/c/big/mail"},
				{"mailboxes", "/c/big/mailboxes"},
			}
			get(b, "/c/big/") // judge once, and warm the store's caches
			// The reference in the same run: judging the campaign alone,
			// as shoubao report does.
			c := cfg.Campaign[0].Domain()
			b.Run("reference/report.Compute", func(b *testing.B) {
				for b.Loop() {
					if _, err := report.Compute(ctx, st, &c, time.Now()); err != nil {
						b.Fatal(err)
					}
				}
			})
			for _, p := range pages {
				b.Run("warm/"+p.name, func(b *testing.B) {
					for b.Loop() {
						get(b, p.path)
					}
				})
			}
			// A decision made here invalidates the cache: the next page
			// judges the campaign again.
			for _, p := range []string{"overview", "unit"} {
				path := pages[0].path
				if p == "unit" {
					path = pages[3].path
				}
				b.Run("cold/"+p, func(b *testing.B) {
					for b.Loop() {
						console.Invalidate(h, "big")
						get(b, path)
					}
				})
			}
		})
	}
}

// seedBig stores n messages from the campaign's units, each in both
// mailboxes (as pipeline/report's benchmark does), and m from unknown
// senders naming no unit.
func seedBig(b *testing.B, st *sqlstore.Store, cfg *config.Config, n, m int) {
	b.Helper()
	ctx := context.Background()
	c := cfg.Campaign[0].Domain()
	video, _ := json.Marshal(map[string]any{"video": map[string]any{"duration_seconds": 150.0}})
	stats, _ := json.Marshal(map[string]any{"stats": map[string]any{"unit": "", "fields": map[string]any{"科普活动开展次数": map[string]any{"value": 3, "raw": "3"}}}})
	for i := 0; i < n+m; i++ {
		u := i % len(c.Units)
		at := c.Deadline.Add(time.Duration(i-n/2) * time.Minute)
		subject, from := c.Units[u].Name+"科技活动周材料", c.Units[u].Senders[0]
		if i >= n {
			subject, from = fmt.Sprintf("活动总结%d", i), fmt.Sprintf("x%d@qq.com", i)
		}
		for _, mb := range c.Mailboxes {
			msg := &sinks.Message{CampaignID: c.ID, MailboxID: mb.ID, UIDValidity: 1, UID: uint32(i + 1),
				RawObject: fmt.Sprintf("%s/1/%d", mb.ID, i+1), RawSHA256: fmt.Sprintf("%064x", i), RawSize: 100_000,
				InternalDate: at, MessageID: fmt.Sprintf("m%d@163.com", i), Subject: subject, From: from,
				Class: "submission", Findings: json.RawMessage(`[]`),
				Analysis: json.RawMessage(`{"message":{"text":"材料见附件。"}}`),
				Attachments: []sinks.Attachment{
					{Index: 0, Parent: -1, Name: "总结.docx", Kind: "report", Size: 30_000, SHA256: fmt.Sprintf("a%063x", i), Findings: json.RawMessage(`[]`)},
					{Index: 1, Parent: -1, Name: "统计表.xlsx", Kind: "stats_table", Size: 9_000, SHA256: fmt.Sprintf("b%063x", i), Details: stats, Findings: json.RawMessage(`[]`)},
					{Index: 2, Parent: -1, Name: "视频.mp4", Kind: "video", Size: 60_000, SHA256: fmt.Sprintf("c%063x", i), Details: video, Findings: json.RawMessage(`[]`)},
				}}
			if _, _, err := st.SaveMessage(ctx, msg); err != nil {
				b.Fatal(err)
			}
		}
	}
}
