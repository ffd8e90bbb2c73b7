package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/console"
)

// sentMail records what the console sends upward.
type sentMail struct {
	mu   sync.Mutex
	to   []string
	raws [][]byte
}

func (s *sentMail) Send(_ context.Context, _ string, to []string, raw []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.to = append(s.to, to...)
	s.raws = append(s.raws, raw)
	return nil
}
func (s *sentMail) SavesSent(string) bool                                  { return false }
func (s *sentMail) SaveSent(context.Context, string, []byte, string) error { return nil }
func (s *sentMail) count() int                                             { s.mu.Lock(); defer s.mu.Unlock(); return len(s.raws) }

// TestUpward: the 导出 page sends the merged result to the upper office
// after a preview, once; sending again needs a second confirmation; a
// viewer cannot send.
func TestUpward(t *testing.T) {
	sent := &sentMail{}
	f := newFixture(t, func(cfg *config.Config, o *console.Options) {
		cfg.Campaign[0].Upward.To = "sheng@kjt.gov.cn"
		o.Transport = sent
	})
	c := f.as(officer, officerPW)
	if p := c.get("/c/c1/exports"); !strings.Contains(p.body, "报送上级") || !strings.Contains(p.body, "sheng@kjt.gov.cn") {
		t.Fatalf("exports page lacks the 报送上级 part:\n%s", p.body)
	}
	form := url.Values{"csrf": {c.csrf()}}
	p := c.post("/c/c1/upward", form)
	if p.StatusCode != http.StatusOK || !strings.Contains(p.body, "请确认") || !strings.Contains(p.body, "发送给上级 sheng@kjt.gov.cn，共 1 封邮件") ||
		!strings.Contains(p.body, "统计汇总表-c1-") || sent.count() != 0 {
		t.Fatalf("preview: %d, %d sent\n%s", p.StatusCode, sent.count(), p.body)
	}
	form.Set("confirmed", "1")
	if p := c.post("/c/c1/upward", form); p.StatusCode != http.StatusSeeOther || sent.count() != 1 || sent.to[0] != "sheng@kjt.gov.cn" {
		t.Fatalf("send: %d, %d sent\n%s", p.StatusCode, sent.count(), p.body)
	}
	if p := c.get("/c/c1/exports"); !strings.Contains(p.body, "已发送给 sheng@kjt.gov.cn") || !strings.Contains(p.body, "发送（") {
		t.Errorf("exports page after sending:\n%s", p.body)
	}
	// Again: a second confirmation first.
	p = c.post("/c/c1/upward", url.Values{"csrf": {c.csrf()}, "confirmed": {"1"}})
	if p.StatusCode != http.StatusOK || !strings.Contains(p.body, "已经报送过一次") || sent.count() != 1 {
		t.Fatalf("second send without again: %d, %d sent\n%s", p.StatusCode, sent.count(), p.body)
	}
	if p := c.post("/c/c1/upward", url.Values{"csrf": {c.csrf()}, "confirmed": {"1"}, "again": {"1"}}); p.StatusCode != http.StatusSeeOther || sent.count() != 2 {
		t.Fatalf("again: %d, %d sent\n%s", p.StatusCode, sent.count(), p.body)
	}
	// A viewer cannot send.
	v := f.as(viewer, viewerPW)
	if p := v.post("/c/c1/upward", url.Values{"csrf": {v.csrf()}, "confirmed": {"1"}, "again": {"1"}}); p.StatusCode == http.StatusSeeOther || sent.count() != 2 {
		t.Errorf("a viewer sent: %d, %d sent", p.StatusCode, sent.count())
	}
}
