package console

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/rules"
	"github.com/shoubao/shoubao/sinks"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// page is what every template gets: the frame (user, campaign, navigation,
// a message about the last action) and the page's own Data.
type page struct {
	Title     string
	Nav       string
	who       *who
	C         *campaign.Campaign
	Campaigns []*campaign.Campaign
	Counts    *rules.Counts
	Flash     string
	Now       time.Time
	Data      any
	// Downloads: files can be downloaded here.
	Downloads bool
	back      string
}

// User is the logged-in user's name ("" on the login page).
func (p *page) User() string {
	if p.who == nil {
		return ""
	}
	return p.who.user.Name
}

// Role is the user's role in words.
func (p *page) Role() string {
	if p.who != nil && p.who.user.Role == sinks.RoleOfficer {
		return "经办人"
	}
	return "只读"
}

// Officer: the user may decide.
func (p *page) Officer() bool { return p.who != nil && p.who.user.Role == sinks.RoleOfficer }

// CSRF is the token every form carries.
func (p *page) CSRF() string {
	if p.who == nil {
		return ""
	}
	return p.who.session.CSRF
}

// Base is the campaign's URL prefix.
func (p *page) Base() string {
	if p.C == nil {
		return ""
	}
	return "/c/" + url.PathEscape(p.C.ID)
}

// UnitURL is the page of a unit.
func (p *page) UnitURL(name string) string { return p.Base() + "/units/" + url.PathEscape(name) }

// FileURL is the download of a file.
func (p *page) FileURL(sha string) string { return p.Base() + "/files/" + sha }

// Back is the current page, where a form returns to.
func (p *page) Back() string { return p.back }

var funcs = template.FuncMap{
	"bj":        func(t time.Time) string { return when(t, "2006-01-02 15:04") },
	"bjs":       func(t time.Time) string { return when(t, "01-02 15:04") },
	"bjsec":     func(t time.Time) string { return when(t, "2006-01-02 15:04:05") },
	"deadline":  deadlineText,
	"left":      timeLeft,
	"ago":       ago,
	"size":      sizeText,
	"dur":       durationText,
	"status":    rules.StatusLabel,
	"statusCls": statusClass,
	"material":  func(m campaign.Material) string { return m.Label() },
	"materials": materialsText,
	"category":  func(c rules.Category) string { return c.Label() },
	"by":        evidenceText,
	"kind":      kindText,
	"receipt":   receiptText,
	"decision":  decisionText,
	"mailbox":   mailboxAddress,
	"join":      strings.Join,
	"pair":      func(p *page, v any) pair { return pair{p, v} },
	"add":       func(a, b int) int { return a + b },
	"pct": func(n, of int) int {
		if of == 0 {
			return 0
		}
		return n * 100 / of
	},
}

// pair hands a partial template the page and a value.
type pair struct {
	P *page
	V any
}

// parsePages parses each page with the frame: one template set per page.
func parsePages() map[string]*template.Template {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" || base == "parts" {
			continue
		}
		pages[base] = template.Must(template.New(base).Funcs(funcs).ParseFS(templateFS,
			"templates/layout.html", "templates/parts.html", n))
	}
	return pages
}

// render writes page name with status; it renders into a buffer first, so
// that a template error is a clean 500.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	if p.who == nil {
		p.who = userOf(r)
	}
	if p.Now.IsZero() {
		p.Now = c.o.Now()
	}
	if p.back == "" {
		p.back = r.URL.RequestURI()
	}
	if len(c.campaigns) > 1 {
		p.Campaigns = c.campaigns
	}
	var b bytes.Buffer
	if err := c.pages[name].ExecuteTemplate(&b, "layout", p); err != nil {
		c.o.Log.Error("console: render", "page", name, "err", err)
		http.Error(w, "页面生成出错，请稍后再试。", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = b.WriteTo(w)
}

// msgData is a page that says one thing, with a way back.
type msgData struct {
	Text, Back string
}

// fail shows a plain message page.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	c.render(w, r, status, "message", &page{Title: "提示", Data: msgData{Text: msg}})
}

func (c *Console) notFound(w http.ResponseWriter, r *http.Request) {
	c.fail(w, r, http.StatusNotFound, "没有这个页面。")
}

// withCampaign resolves {campaign} and its snapshot for h.
func (c *Console) withCampaign(h func(w http.ResponseWriter, r *http.Request, s *snapshot)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		cp := c.byID[r.PathValue("campaign")]
		if cp == nil {
			c.notFound(w, r)
			return
		}
		s, err := c.cache.get(r.Context(), cp)
		if err != nil {
			c.o.Log.Error("console: judge campaign", "campaign", cp.ID, "err", err)
			c.fail(w, r, http.StatusServiceUnavailable, "暂时无法读取数据库，请稍后再试。")
			return
		}
		h(w, r, s)
	}
}

// page starts a campaign page: the frame, and the message left by the
// last action of the session (then forgotten).
func (c *Console) page(w http.ResponseWriter, r *http.Request, s *snapshot, title, nav string, data any) *page {
	p := &page{Title: title, Nav: nav, C: s.c, Counts: &s.st.Counts, Data: data, Downloads: c.o.Files != nil, Now: s.st.GeneratedAt}
	if u := userOf(r); u != nil {
		if v, ok := c.flashes.LoadAndDelete(u.session.TokenHash); ok {
			p.Flash = v.(string)
		}
	}
	return p
}

// flash leaves a message for the session's next page.
func (c *Console) flash(w http.ResponseWriter, r *http.Request, msg string) {
	if u := userOf(r); u != nil {
		if utf8.RuneCountInString(msg) > 3000 {
			msg = string([]rune(msg)[:3000]) + "……"
		}
		c.flashes.Store(u.session.TokenHash, msg)
	}
}

func assetHandler() http.Handler {
	sub, _ := fs.Sub(assetFS, "assets")
	fsrv := http.StripPrefix("/assets/", http.FileServer(http.FS(sub)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fsrv.ServeHTTP(w, r)
	})
}

// Formatting for officers: Beijing time, Chinese words.

func when(t time.Time, layout string) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(campaign.ChinaTime()).Format(layout)
}

// deadlineText shows a deadline (the first late instant) as the last
// minute that is on time, as notices say it.
func deadlineText(t time.Time) string {
	if t.IsZero() {
		return "未规定"
	}
	return t.Add(-time.Second).In(campaign.ChinaTime()).Format("2006年1月2日 15:04")
}

// timeLeft says how long until the deadline, or since it passed.
func timeLeft(deadline, now time.Time) string {
	if deadline.IsZero() {
		return ""
	}
	d := deadline.Sub(now)
	past := d <= 0
	if past {
		d = -d
	}
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	var s string
	switch {
	case days > 0:
		s = fmt.Sprintf("%d 天 %d 小时", days, hours)
	case hours > 0:
		s = fmt.Sprintf("%d 小时 %d 分", hours, mins)
	default:
		s = fmt.Sprintf("%d 分钟", max(mins, 1))
	}
	if past {
		return "已截止 " + s
	}
	return "还剩 " + s
}

// ago says how long ago t was.
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "从未"
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "刚刚"
	case d < time.Hour:
		return fmt.Sprintf("%d 分钟前", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d 小时前", int(d/time.Hour))
	}
	return fmt.Sprintf("%d 天前", int(d/(24*time.Hour)))
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d 字节", n)
}

// durationText shows a video's length: 3分05秒.
func durationText(sec float64) string {
	s := int(sec + 0.5)
	if s < 60 {
		return fmt.Sprintf("%d秒", s)
	}
	return fmt.Sprintf("%d分%02d秒", s/60, s%60)
}

func statusClass(s string) string {
	return map[string]string{rules.NotSubmitted: "st-none", rules.Incomplete: "st-partial",
		rules.CompleteOnTime: "st-ok", rules.CompleteLate: "st-late"}[s]
}

func materialsText(ms []campaign.Material) string {
	if len(ms) == 0 {
		return "—"
	}
	var out []string
	for _, m := range ms {
		out = append(out, m.Label())
	}
	return strings.Join(out, "、")
}

func evidenceText(by string) string {
	return map[string]string{rules.ByOfficer: "人工认定", rules.BySender: "发件地址在名单中", rules.ByLearned: "该单位用过的发件地址",
		rules.ByName: "主题或文件名中的单位名称", rules.ByStamp: "统计表盖章单位", rules.ByBody: "正文中的单位名称"}[by]
}

func kindText(kind string) string {
	if s, ok := map[string]string{"report": "总结报告", "stats_table": "统计表", "recommend_table": "推荐表", "video": "视频",
		"photo": "照片", "archive": "压缩包", "message": "转发的邮件", "other": "其他文件"}[kind]; ok {
		return s
	}
	return kind
}

// receiptText shows a receipt's state ("sent", "skipped: robot: …") in
// words.
func receiptText(s string) string {
	state, reason, _ := strings.Cut(s, ": ")
	label := map[string]string{sinks.JobPending: "等待发送", sinks.JobSending: "正在发送", sinks.JobSent: "已发送",
		sinks.JobPreviewed: "已生成（预览模式，未发送）", sinks.JobFailed: "发送失败", sinks.JobSkipped: "不发送"}[state]
	if label == "" {
		return s
	}
	if reason == "" {
		return label
	}
	switch r, _, _ := strings.Cut(reason, ":"); r {
	case "robot":
		return label + "：自动发出的邮件（退信、自动回复等）"
	case "inquiry":
		return label + "：咨询来信，由经办人答复"
	case "reply":
		return label + "：对方的回复，无需回执"
	case "limit":
		return label + "：该地址一小时内收到的回执已达上限"
	case "off":
		return label + "：回执已关闭"
	case "no_recipient":
		return label + "：没有可回复的地址"
	}
	return label + "：" + reason
}

// decisionText describes a decision in words.
func decisionText(d rules.Decision) string {
	switch d.Kind {
	case rules.DecideAssign:
		return "认定为“" + d.Unit + "”报送"
	case rules.DecideNotSubmission:
		return "认定为非报送邮件"
	case rules.DecideAcceptProblem:
		if d.File != "" {
			return "接受问题 " + d.Code + "（" + d.File + "）"
		}
		return "接受问题 " + d.Code
	case rules.DecideExtension:
		return "延期至 " + deadlineText(d.Until)
	case rules.DecideAddSender:
		return "登记发件地址 " + d.Address
	case rules.DecideAddUnit:
		return "加入名单"
	case rules.DecideRenameUnit:
		return "更名为“" + d.NewName + "”"
	case rules.DecideDropUnit:
		return "移出名单"
	case rules.DecideSetContact:
		return "联系人改为 " + d.Contact + " " + d.Phone
	}
	return d.Kind
}

// mailboxAddress shows a mailbox id ("campaign/address") as its address.
func mailboxAddress(id string) string {
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		return id[i+1:]
	}
	return id
}
