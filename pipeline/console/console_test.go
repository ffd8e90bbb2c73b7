package console_test

import (
	"bytes"
	"crypto/tls"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/rules"
)

// TestAccess: every page but /login, /healthz and the style sheet needs a
// login; pages redirect to the login page, posts are refused.
func TestAccess(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	for _, tc := range []struct {
		method, path string
		status       int
		location     string
	}{
		{"GET", "/healthz", http.StatusOK, ""},
		{"GET", "/login", http.StatusOK, ""},
		{"GET", "/assets/style.css", http.StatusOK, ""},
		{"GET", "/", http.StatusSeeOther, "/login?next=%2F"},
		{"GET", "/c/c1/", http.StatusSeeOther, "/login?next=%2Fc%2Fc1%2F"},
		{"GET", "/c/c1/units", http.StatusSeeOther, "/login?next=%2Fc%2Fc1%2Funits"},
		{"GET", "/c/c1/units/" + url.PathEscape("陵川县科技局"), http.StatusSeeOther, ""},
		{"GET", "/c/c1/pending", http.StatusSeeOther, ""},
		{"GET", "/c/c1/roster", http.StatusSeeOther, ""},
		{"GET", "/c/c1/mail", http.StatusSeeOther, ""},
		{"GET", "/c/c1/mailboxes", http.StatusSeeOther, ""},
		{"GET", "/c/c1/files/" + f.sha["总结报告.docx"], http.StatusSeeOther, ""},
		{"GET", "/c/c1/exports", http.StatusSeeOther, ""},
		{"GET", "/c/c1/exports/files", http.StatusSeeOther, ""},
		{"GET", "/no/such/page", http.StatusSeeOther, ""},
		{"POST", "/c/c1/decide", http.StatusUnauthorized, ""},
		{"POST", "/logout", http.StatusUnauthorized, ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			var p page
			if tc.method == "GET" {
				p = c.get(tc.path)
			} else {
				p = c.post(tc.path, url.Values{"kind": {"not_submission"}, "message": {"m2@163.com"}})
			}
			if p.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", p.StatusCode, tc.status)
			}
			if loc := p.Header.Get("Location"); tc.location != "" && loc != tc.location {
				t.Errorf("Location %q, want %q", loc, tc.location)
			}
			if p.StatusCode == http.StatusSeeOther && !strings.HasPrefix(p.Header.Get("Location"), "/login?next=") {
				t.Errorf("redirected to %q, not the login page", p.Header.Get("Location"))
			}
			if strings.Contains(p.body, "张三") || strings.Contains(p.body, "0356-1234567") {
				t.Error("personal data shown without login")
			}
		})
	}
	if len(f.decisions("c1")) != 0 {
		t.Error("a decision was recorded without login")
	}
}

// TestPages: each page, logged in, shows what it is for.
func TestPages(t *testing.T) {
	f := newFixture(t)
	c := f.as(viewer, viewerPW)
	for _, tc := range []struct {
		path   string
		status int
		want   []string
		absent []string
	}{
		{"/", http.StatusOK, []string{"全部活动", "2026年测试活动", "2025年测试活动"}, nil},
		{"/c/c1/", http.StatusOK, []string{`data-count="expected">3<`, `data-count="submitted">1<`, `data-count="incomplete">1<`,
			`data-count="not_submitted">2<`, `data-count="unmatched">1<`, `data-count="inquiries">1<`, "2026年6月8日 23:59", "还剩 1 天 6 小时",
			"活动总结报告", "影像资料", "陵川县科技局活动总结", `http-equiv="refresh"`}, nil},
		{"/c/c1/units", http.StatusOK, []string{"陵川县科技局", "泽州县教育局", "材料不全", "未报送", "视频时长"}, nil},
		{"/c/c1/units?filter=not_submitted", http.StatusOK, []string{"泽州县教育局", "泽州县科协"}, []string{">陵川县科技局<"}},
		{"/c/c1/units?filter=problems&sort=name", http.StatusOK, []string{">陵川县科技局<"}, []string{">泽州县教育局<"}},
		{"/c/c1/units/" + url.PathEscape("陵川县科技局"), http.StatusOK, []string{"张三", "0356-1234567", "lc@163.com", "总结报告.docx",
			"宣传片.mp4", "3分20秒", "科普活动开展次数", "3万", "30000", "盖章单位：陵川县科技局", "/c/c1/files/" + f.sha["总结报告.docx"]}, nil},
		{"/c/c1/units/" + url.PathEscape("不存在的单位"), http.StatusNotFound, []string{"名单中没有这个单位"}, nil},
		{"/c/c1/pending", http.StatusOK, []string{"泽州县活动材料", "可能是", "泽州县教育局", "泽州县科协", "活动照片.jpg"}, nil},
		{"/c/c1/roster", http.StatusOK, []string{"陵川县科技局", "张三", "lc@163.com", "名单（3 个单位）"}, nil},
		{"/c/c1/mail", http.StatusOK, []string{"请问截止时间是哪天", "您好，请问材料截止时间是哪天？谢谢"}, nil},
		{"/c/c1/mailboxes", http.StatusOK, []string{"box@163.com", "从未同步"}, []string{"old@163.com"}},
		{"/c/c1/exports", http.StatusOK, []string{"统计汇总表-c1-20260607.xlsx", "报送材料-c1-20260607.zip", "/c/c1/exports/stats"}, nil},
		{"/c/c1/exports/nope", http.StatusNotFound, nil, nil},
		{"/c/nope/", http.StatusNotFound, []string{"没有这个页面"}, nil},
		{"/c/c1/files/" + f.sha["2025总结.docx"], http.StatusNotFound, []string{"本活动中没有这个文件"}, nil},
	} {
		t.Run(tc.path, func(t *testing.T) {
			p := c.get(tc.path)
			if p.StatusCode != tc.status {
				t.Fatalf("status %d, want %d\n%s", p.StatusCode, tc.status, p.body)
			}
			for _, w := range tc.want {
				if !strings.Contains(p.body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, w := range tc.absent {
				if strings.Contains(p.body, w) {
					t.Errorf("page shows %q", w)
				}
			}
			if strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") {
				if p.Header.Get("Content-Security-Policy") == "" || p.Header.Get("X-Frame-Options") != "DENY" || p.Header.Get("Cache-Control") != "no-store" {
					t.Errorf("security headers missing: %v", p.Header)
				}
			}
		})
	}
	// A viewer sees no forms that decide.
	if p := c.get("/c/c1/pending"); strings.Contains(p.body, `name="kind" value="assign"`) {
		t.Error("the pending page offers a viewer to assign")
	}
}

// TestAssign: assigning an unmatched message goes through a confirmation
// page, is recorded under the officer's name, and changes the unit's
// status at once.
func TestAssign(t *testing.T) {
	f := newFixture(t)
	c := f.as(officer, officerPW)
	csrf := c.csrf()
	// As a candidate's button sends it: its value, then the empty field
	// for another unit.
	form := url.Values{"csrf": {csrf}, "kind": {"assign"}, "message": {"m2@163.com"}, "unit": {"泽州县教育局", ""},
		"also_sender": {"1"}, "back": {"/c/c1/pending"}}
	p := c.post("/c/c1/decide", form)
	if p.StatusCode != http.StatusOK || !strings.Contains(p.body, "请确认") || !strings.Contains(p.body, "将来信《泽州县活动材料》认定为“泽州县教育局”报送") {
		t.Fatalf("confirmation page: %d\n%s", p.StatusCode, p.body)
	}
	if n := len(f.decisions("c1")); n != 0 {
		t.Fatalf("%d decisions recorded before confirming", n)
	}
	form.Set("confirmed", "1")
	p = c.post("/c/c1/decide", form)
	if p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != "/c/c1/pending" {
		t.Fatalf("confirmed: %d, Location %q\n%s", p.StatusCode, p.Header.Get("Location"), p.body)
	}
	ds := f.decisions("c1")
	if len(ds) != 2 || ds[0].Kind != rules.DecideAssign || ds[0].By != officer || ds[0].Unit != "泽州县教育局" ||
		ds[1].Kind != rules.DecideAddSender || ds[1].Address != "zz@163.com" {
		t.Fatalf("decisions: %+v", ds)
	}
	p = c.get("/c/c1/pending")
	for _, w := range []string{"已记录：将来信《泽州县活动材料》认定为“泽州县教育局”报送，并登记发件地址 zz@163.com", "泽州县教育局：未报送 → 按时报齐",
		"待确认的来信：1 → 0 封", "没有待确认的来信"} {
		if !strings.Contains(p.body, w) {
			t.Errorf("pending page after assigning lacks %q", w)
		}
	}
	if p := c.get("/c/c1/pending"); strings.Contains(p.body, "已记录") {
		t.Error("the message about the decision is shown twice")
	}
	p = c.get("/c/c1/units/" + url.PathEscape("泽州县教育局"))
	if !strings.Contains(p.body, "按时报齐") || !strings.Contains(p.body, "人工决定：认定为“泽州县教育局”报送 —— 王科长") {
		t.Errorf("unit page after assigning:\n%s", p.body)
	}
}

// TestDecisionsRefused: a post without the session's CSRF token, from
// another site, or by a viewer records nothing.
func TestDecisionsRefused(t *testing.T) {
	f := newFixture(t)
	off := f.as(officer, officerPW)
	view := f.as(viewer, viewerPW)
	form := func(csrf string) url.Values {
		return url.Values{"csrf": {csrf}, "kind": {"not_submission"}, "message": {"m2@163.com"}, "confirmed": {"1"}}
	}
	foreign := f.as(officer, officerPW)
	foreign.origin = "https://evil.example"
	for _, tc := range []struct {
		name string
		c    *client
		form url.Values
		want string
	}{
		{"no token", off, form(""), "表单已过期或来源不明"},
		{"wrong token", off, form("x" + off.csrf()), "表单已过期或来源不明"},
		{"token of another session", off, form(view.csrf()), "表单已过期或来源不明"},
		{"another site", foreign, form(foreign.csrf()), "表单已过期或来源不明"},
		{"viewer", view, form(view.csrf()), "只能查看"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.c.post("/c/c1/decide", tc.form)
			if p.StatusCode != http.StatusForbidden || !strings.Contains(p.body, tc.want) {
				t.Errorf("%d, want 403 saying %q\n%s", p.StatusCode, tc.want, p.body)
			}
		})
	}
	if ds := f.decisions("c1"); len(ds) != 0 {
		t.Fatalf("recorded: %+v", ds)
	}
	if p := off.post("/c/c1/decide", form(off.csrf())); p.StatusCode != http.StatusSeeOther || len(f.decisions("c1")) != 1 {
		t.Errorf("the officer's own post: %d, %d decisions", p.StatusCode, len(f.decisions("c1")))
	}
}

// TestDecisionErrors: bad input is refused in words, nothing recorded.
func TestDecisionErrors(t *testing.T) {
	f := newFixture(t)
	c := f.as(officer, officerPW)
	csrf := c.csrf()
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"kind": {"assign"}, "message": {"m2@163.com"}, "unit": {"不在名单"}}, "“不在名单”不在名单中"},
		{url.Values{"kind": {"assign"}, "message": {"nope@x"}, "unit": {"泽州县教育局"}}, "本活动中没有这封来信"},
		{url.Values{"kind": {"assign"}, "message": {"old1@163.com"}, "unit": {"泽州县教育局"}}, "本活动中没有这封来信"},
		{url.Values{"kind": {"extension"}, "unit": {"泽州县科协"}, "until": {"下周"}}, "延期日期无法识别"},
		{url.Values{"kind": {"add_sender"}, "unit": {"泽州县科协"}, "address": {"not-an-address"}}, "不是邮件地址"},
		{url.Values{"kind": {"add_unit"}, "unit": {"陵川县科技局"}}, "已在名单中"},
		{url.Values{"kind": {"add_unit"}, "unit": {"新单位"}, "phone": {"123"}}, "位数不够"},
		{url.Values{"kind": {"rename_unit"}, "unit": {"泽州县科协"}, "new_name": {"泽州县教育局"}}, "已是名单中"},
		{url.Values{"kind": {"delete_everything"}}, "无法识别的操作"},
	} {
		t.Run(tc.form.Encode(), func(t *testing.T) {
			tc.form.Set("csrf", csrf)
			tc.form.Set("confirmed", "1")
			p := c.post("/c/c1/decide", tc.form)
			if p.StatusCode != http.StatusBadRequest || !strings.Contains(p.body, tc.want) {
				t.Errorf("%d, want 400 saying %q\n%s", p.StatusCode, tc.want, p.body)
			}
		})
	}
	if ds := f.decisions("c1"); len(ds) != 0 {
		t.Fatalf("recorded: %+v", ds)
	}
}

// TestRosterDecisions: add, rename (the old name stays an alias), contact,
// extension, accept, drop — each recorded and applied at once.
func TestRosterDecisions(t *testing.T) {
	f := newFixture(t)
	c := f.as(officer, officerPW)
	csrf := c.csrf()
	steps := []struct {
		form url.Values
		page string
		want []string
	}{
		{url.Values{"kind": {"add_unit"}, "unit": {"晋城市图书馆"}, "contact": {"赵六"}, "phone": {"0356 2220000"}, "address": {"JCTSG@163.com"}},
			"/c/c1/roster", []string{"名单（4 个单位）", "晋城市图书馆", "赵六", "jctsg@163.com", "晋城市图书馆：加入名单（未报送）"}},
		{url.Values{"kind": {"rename_unit"}, "unit": {"陵川县科技局"}, "new_name": {"陵川县发展改革和科技局"}},
			"/c/c1/roster", []string{"陵川县发展改革和科技局", "别名：陵川县科技局"}},
		{url.Values{"kind": {"set_contact"}, "unit": {"陵川县科技局"}, "contact": {"钱七"}, "phone": {"13812345678"}},
			"/c/c1/units/" + url.PathEscape("陵川县发展改革和科技局"), []string{"钱七", "13812345678"}},
		{url.Values{"kind": {"accept_problem"}, "message": {"m1@163.com"}, "code": {"video_too_long"}, "file": {"宣传片.mp4"}},
			"/c/c1/units/" + url.PathEscape("陵川县发展改革和科技局"), []string{"按时报齐", "（已接受）"}},
		{url.Values{"kind": {"extension"}, "unit": {"泽州县科协"}, "until": {"2026-06-12"}},
			"/c/c1/units/" + url.PathEscape("泽州县科协"), []string{"2026年6月12日 23:59（已延期）", "延期至 2026年6月12日 23:59"}},
		{url.Values{"kind": {"drop_unit"}, "unit": {"泽州县科协"}},
			"/c/c1/roster", []string{"名单（3 个单位）", "泽州县科协：已移出名单"}},
	}
	for i, s := range steps {
		s.form.Set("csrf", csrf)
		s.form.Set("confirmed", "1")
		s.form.Set("back", s.page)
		if p := c.post("/c/c1/decide", s.form); p.StatusCode != http.StatusSeeOther {
			t.Fatalf("step %d (%s): %d\n%s", i, s.form.Get("kind"), p.StatusCode, p.body)
		}
		p := c.get(s.page)
		for _, w := range s.want {
			if !strings.Contains(p.body, w) {
				t.Errorf("step %d (%s): %s lacks %q", i, s.form.Get("kind"), s.page, w)
			}
		}
	}
	ds := f.decisions("c1")
	if len(ds) != 7 {
		t.Fatalf("%d decisions, want 7 (add_unit, add_sender, rename, contact, accept, extension, drop)", len(ds))
	}
	for _, d := range ds {
		if d.By != officer {
			t.Errorf("decision %s by %q", d.Kind, d.By)
		}
	}
}

// TestDownload: a file of the campaign comes with its Chinese name
// (RFC 6266/5987); another campaign's file, a malformed id and an unknown
// one are not found.
func TestDownload(t *testing.T) {
	f := newFixture(t)
	c := f.as(viewer, viewerPW)
	p := c.get("/c/c1/files/" + f.sha["总结报告.docx"])
	if p.StatusCode != http.StatusOK || p.body != "陵川县的总结报告" {
		t.Fatalf("download: %d %q", p.StatusCode, p.body)
	}
	want := `attachment; filename="____.docx"; filename*=UTF-8''%E6%80%BB%E7%BB%93%E6%8A%A5%E5%91%8A.docx`
	if cd := p.Header.Get("Content-Disposition"); cd != want {
		t.Errorf("Content-Disposition %q, want %q", cd, want)
	}
	if ct := p.Header.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.wordprocessingml.document" {
		t.Errorf("Content-Type %q", ct)
	}
	for _, path := range []string{
		"/c/c1/files/" + f.sha["2025总结.docx"], // c2's
		"/c/c1/files/" + strings.ToUpper(f.sha["2025总结.docx"]),
		"/c/c1/files/../c2/files/" + f.sha["2025总结.docx"],
		"/c/c1/files/abc",
		"/c/c1/files/" + strings.Repeat("0", 64),
		"/c/c1/files/" + url.PathEscape("总结报告.docx"),
	} {
		// ServeMux answers a path with .. by redirecting to the clean one.
		if p := c.get(path); p.StatusCode != http.StatusNotFound && p.StatusCode != http.StatusTemporaryRedirect {
			t.Errorf("%s: %d, want 404", path, p.StatusCode)
		} else if strings.Contains(p.body, "高平市 2025") {
			t.Errorf("%s: another campaign's file served", path)
		}
	}
	if p := c.get("/c/c2/files/" + f.sha["2025总结.docx"]); p.StatusCode != http.StatusOK || p.body != "高平市 2025" {
		t.Errorf("c2's file in c2: %d", p.StatusCode)
	}
}

// TestLogin: wrong passwords and unknown users are refused alike; after 5
// failures in 15 minutes a name (and an address) is refused even with the
// right password, until the window passes.
func TestLogin(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	for _, tc := range []struct{ name, pw string }{{officer, "wrong"}, {"nobody", officerPW}} {
		p := c.login(tc.name, tc.pw)
		if p.StatusCode != http.StatusUnauthorized || !strings.Contains(p.body, "用户名或密码不对") {
			t.Errorf("login %s/%s: %d", tc.name, tc.pw, p.StatusCode)
		}
	}
	// Without the login page's token.
	if p := c.post("/login", url.Values{"name": {officer}, "password": {officerPW}}); p.StatusCode != http.StatusForbidden {
		t.Errorf("login without the form's token: %d", p.StatusCode)
	}
	for i := 0; i < 3; i++ {
		c.login(officer, "wrong")
	}
	p := c.login(officer, officerPW)
	if p.StatusCode != http.StatusTooManyRequests || !strings.Contains(p.body, "登录失败次数过多") {
		t.Fatalf("6th attempt with the right password: %d\n%s", p.StatusCode, p.body)
	}
	f.advance(15 * time.Minute)
	if p := c.login(officer, officerPW); p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != "/c/c1/" {
		t.Fatalf("after the window: %d %s", p.StatusCode, p.Header.Get("Location"))
	}
	if p := c.get("/c/c1/"); p.StatusCode != http.StatusOK {
		t.Fatalf("logged in: %d", p.StatusCode)
	}
	// The session lasts 12 hours without use; using it extends it.
	f.advance(11 * time.Hour)
	if p := c.get("/c/c1/"); p.StatusCode != http.StatusOK {
		t.Fatalf("after 11 hours: %d", p.StatusCode)
	}
	f.advance(11 * time.Hour)
	if p := c.get("/c/c1/"); p.StatusCode != http.StatusOK {
		t.Fatalf("after 22 hours, used at 11: %d", p.StatusCode)
	}
	f.advance(13 * time.Hour)
	if p := c.get("/c/c1/"); p.StatusCode != http.StatusSeeOther {
		t.Fatalf("after 13 idle hours: %d, want a redirect to the login page", p.StatusCode)
	}
	// Logging out ends the session in the store.
	c = f.as(officer, officerPW)
	if p := c.post("/logout", url.Values{"csrf": {c.csrf()}}); p.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", p.StatusCode)
	}
	if p := c.get("/c/c1/"); p.StatusCode != http.StatusSeeOther {
		t.Errorf("after logout: %d", p.StatusCode)
	}
}

// TestLoginRateLimitByAddress: one address trying many names is stopped
// too.
func TestLoginRateLimitByAddress(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	for i := 0; i < 5; i++ {
		c.login("user"+string(rune('a'+i)), "x")
	}
	if p := c.login(viewer, viewerPW); p.StatusCode != http.StatusTooManyRequests {
		t.Errorf("after 5 failures from this address: %d, want 429", p.StatusCode)
	}
}

// TestCookies: HttpOnly and SameSite=Lax always; Secure over TLS, or
// always with secure_cookies: true.
func TestCookies(t *testing.T) {
	for _, tc := range []struct {
		mode   config.SecureCookies
		tls    bool
		secure bool
	}{
		{config.SecureCookiesAuto, false, false},
		{config.SecureCookiesAuto, true, true},
		{config.SecureCookiesAlways, false, true},
		{config.SecureCookiesNever, true, false},
	} {
		t.Run(string(tc.mode)+map[bool]string{true: " tls", false: ""}[tc.tls], func(t *testing.T) {
			f := newFixture(t, tlsCookies(tc.mode))
			h := f.srv.Config.Handler
			req := httptest.NewRequest("GET", "/login", nil)
			if tc.tls {
				req.TLS = &tls.ConnectionState{}
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			cs := w.Result().Cookies()
			if len(cs) != 1 {
				t.Fatalf("cookies %v", cs)
			}
			if ck := cs[0]; !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure != tc.secure {
				t.Errorf("cookie %+v: want HttpOnly, SameSite=Lax, Secure=%v", ck, tc.secure)
			}
		})
	}
}

// TestRosterImport: an .xlsx with 单位名称, 联系人, 电话, 邮箱; rows that
// cannot be imported are explained, the others imported after the
// preview.
func TestRosterImport(t *testing.T) {
	f := newFixture(t)
	c := f.as(officer, officerPW)
	x := excelize.NewFile()
	rows := [][]any{
		{"2026年报送单位名单"},
		{"单位名称", "联系人", "电话", "邮箱"},
		{"晋城市图书馆", "赵六", "0356-2220000", "jctsg@163.com；tsg2@qq.com"},
		{"陵川县科技局", "张三", "0356-1234567", "lc2@163.com"},
		{"", "", "", ""},
		{"晋城市博物馆", "孙八", "123", ""},
		{"晋城市科技馆", "", "", "not-an-address"},
		{"晋城市图书馆", "", "", ""},
		{"", "某人", "13800000000", ""},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var xb bytes.Buffer
	if err := x.Write(&xb); err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", c.csrf())
	fw, _ := mw.CreateFormFile("file", "名单.xlsx")
	_, _ = fw.Write(xb.Bytes())
	mw.Close()
	req, _ := http.NewRequest("POST", f.srv.URL+"/c/c1/roster/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", f.srv.URL)
	p := c.read(c.hc.Do(req))
	if p.StatusCode != http.StatusOK {
		t.Fatalf("preview: %d\n%s", p.StatusCode, p.body)
	}
	for _, w := range []string{"共 2 个单位可以导入，其中 2 个有变化", "4 行无法导入", "电话“123”位数不够", "邮箱“not-an-address”不是邮件地址",
		"与第 3 行是同一个单位", "请填写单位名称", "新增", "新增邮箱 1 个", "jctsg@163.com、tsg2@qq.com"} {
		if !strings.Contains(p.body, w) {
			t.Errorf("preview lacks %q", w)
		}
	}
	if len(f.decisions("c1")) != 0 {
		t.Fatal("decisions recorded by the preview")
	}
	m := regexpRows.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatal("no rows in the confirmation form")
	}
	rowsJSON := htmlUnescape(m[1])
	p = c.post("/c/c1/roster/import", url.Values{"csrf": {c.csrf()}, "rows": {rowsJSON}, "confirmed": {"1"}})
	if p.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %d\n%s", p.StatusCode, p.body)
	}
	p = c.get("/c/c1/roster")
	for _, w := range []string{"名单（4 个单位）", "晋城市图书馆", "赵六", "tsg2@qq.com", "lc2@163.com", "新增 1 个单位，共 4 项变更"} {
		if !strings.Contains(p.body, w) {
			t.Errorf("roster after import lacks %q", w)
		}
	}
	// Importing the same again changes nothing.
	p = c.post("/c/c1/roster/import", url.Values{"csrf": {c.csrf()}, "rows": {rowsJSON}, "confirmed": {"1"}})
	if n := len(f.decisions("c1")); p.StatusCode != http.StatusSeeOther || n != 4 {
		t.Errorf("second import: %d, %d decisions (want 4)", p.StatusCode, n)
	}
}

// TestRosterCopy: the units of an earlier campaign, with their contact and
// addresses, join this one's roster.
func TestRosterCopy(t *testing.T) {
	f := newFixture(t)
	c := f.as(officer, officerPW)
	p := c.post("/c/c1/roster/copy", url.Values{"csrf": {c.csrf()}, "from": {"c2"}, "back": {"/c/c1/roster"}})
	if p.StatusCode != http.StatusOK || !strings.Contains(p.body, "高平市科技局") || !strings.Contains(p.body, "来源：2025年测试活动") {
		t.Fatalf("preview: %d\n%s", p.StatusCode, p.body)
	}
	m := regexpRows.FindStringSubmatch(p.body)
	p = c.post("/c/c1/roster/copy", url.Values{"csrf": {c.csrf()}, "rows": {htmlUnescape(m[1])}, "confirmed": {"1"}})
	if p.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %d\n%s", p.StatusCode, p.body)
	}
	p = c.get("/c/c1/roster")
	for _, w := range []string{"名单（4 个单位）", "高平市科技局", "王五", "13900001111", "gp@163.com"} {
		if !strings.Contains(p.body, w) {
			t.Errorf("roster after copy lacks %q", w)
		}
	}
}
