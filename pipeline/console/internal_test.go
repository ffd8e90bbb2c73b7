package console

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestContentDisposition(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"report.docx", `attachment; filename="report.docx"; filename*=UTF-8''report.docx`},
		{"陵川县 总结.docx", `attachment; filename="___ __.docx"; filename*=UTF-8''%E9%99%B5%E5%B7%9D%E5%8E%BF%20%E6%80%BB%E7%BB%93.docx`},
		{`a"b;c%d.txt`, `attachment; filename="a_b_c_d.txt"; filename*=UTF-8''a%22b%3Bc%25d.txt`},
		{"x\r\nSet-Cookie: y", `attachment; filename="x__Set-Cookie: y"; filename*=UTF-8''x__Set-Cookie%3A%20y`},
		{"../../etc/passwd", `attachment; filename=".._.._etc_passwd"; filename*=UTF-8''.._.._etc_passwd`},
		{"", `attachment; filename="file"; filename*=UTF-8''file`},
	} {
		if got := contentDisposition(tc.name); got != tc.want {
			t.Errorf("contentDisposition(%q) =\n %s\nwant\n %s", tc.name, got, tc.want)
		}
	}
}

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 6, 8, 9, 0, 0, 0, time.UTC)
	l := newLimiter(5, 15*time.Minute, func() time.Time { return now })
	for i := 0; i < 4; i++ {
		l.fail("ip:1", "user:a")
		now = now.Add(time.Minute)
	}
	if b, _ := l.blocked("ip:1", "user:a"); b {
		t.Fatal("blocked after 4 failures")
	}
	l.fail("ip:1", "user:a")
	b, wait := l.blocked("user:a")
	if !b || wait != 11*time.Minute {
		t.Fatalf("after 5 failures: blocked %v for %v, want 11m (the first leaves the window then)", b, wait)
	}
	if b, _ := l.blocked("user:b"); b {
		t.Error("another name blocked")
	}
	l.reset("user:a")
	if b, _ := l.blocked("user:a"); b {
		t.Error("blocked after reset")
	}
	if b, _ := l.blocked("ip:1"); !b {
		t.Error("the address is no longer blocked after the name's reset")
	}
	now = now.Add(11 * time.Minute)
	if b, _ := l.blocked("ip:1"); b {
		t.Error("still blocked once the first failure left the window")
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{"": "/", "/c/x/units": "/c/x/units", "//evil.example/": "/", `/\evil`: "/",
		"https://evil.example/": "/", "/a\r\nb": "/", "units": "/"} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTimeLeft(t *testing.T) {
	dl := time.Date(2026, 6, 8, 16, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		now  time.Time
		want string
	}{
		{dl.Add(-30 * time.Hour), "还剩 1 天 6 小时"},
		{dl.Add(-90 * time.Minute), "还剩 1 小时 30 分"},
		{dl.Add(-10 * time.Second), "还剩 1 分钟"},
		{dl.Add(50 * time.Hour), "已截止 2 天 2 小时"},
	} {
		if got := timeLeft(dl, tc.now); got != tc.want {
			t.Errorf("timeLeft at %v = %q, want %q", tc.now, got, tc.want)
		}
	}
}

func TestPlainError(t *testing.T) {
	for in, want := range map[string]string{
		"login: NO [AUTHENTICATIONFAILED] Invalid credentials":       "授权码不对",
		"select INBOX: NO Unsafe Login. Please contact kefu@188.com": "不安全登录",
		"dial tcp 1.2.3.4:993: connect: connection refused":          "连不上邮件服务器",
		"dial tcp: lookup imap.example: no such host":                "找不到邮件服务器",
		"tls: failed to verify certificate: x509: unknown authority": "加密连接",
		"something odd": "同步时出错",
	} {
		if got := plainError(in); !contains(got, want) {
			t.Errorf("plainError(%q) = %q, want it to say %q", in, got, want)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestClientIP(t *testing.T) {
	for _, tc := range []struct {
		remote, xff, want string
	}{
		{"203.0.113.5:4000", "", "203.0.113.5"},
		{"203.0.113.5:4000", "198.51.100.1", "203.0.113.5"}, // not from a local proxy: ignored
		{"127.0.0.1:4000", "", "127.0.0.1"},
		{"127.0.0.1:4000", "10.0.0.9, 198.51.100.1", "198.51.100.1"},
		{"[::1]:4000", "2001:db8::1", "2001:db8::1"},
		{"127.0.0.1:4000", "not-an-address", "127.0.0.1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := clientIP(r); got != tc.want {
			t.Errorf("clientIP(%s, XFF %q) = %q, want %q", tc.remote, tc.xff, got, tc.want)
		}
	}
}
