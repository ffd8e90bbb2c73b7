package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoubao/shoubao/pipeline/demo"
)

// syncBuffer is a bytes.Buffer a running command writes to while the test
// reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runIn runs a command with stdin.
func runIn(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = runMain(context.Background(), &environment{stdout: &out, stderr: &errOut, stdin: strings.NewReader(stdin)}, args)
	return out.String(), errOut.String(), code
}

// demoConfig runs the demo into a data directory and writes a
// configuration for it (no secrets).
func demoConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if _, code := run(t, "demo", "--data-dir", dir); code != 0 {
		t.Fatalf("demo exited %d", code)
	}
	cfg := filepath.Join(dir, "shoubao.yaml")
	src := "data_dir: " + dir + "\ncampaigns:" + demo.CampaignYAML("127.0.0.1", 1143, filepath.Join(dir, "no-such-secret"))
	if err := os.WriteFile(cfg, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestUser(t *testing.T) {
	cfg := demoConfig(t)
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte("long-enough-2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		stdin string
		args  []string
		code  int
		want  string // in stdout, or stderr when code != 0
	}{
		{"correct-horse-1\n", []string{"user", "add", "王科长", "--role", "officer", "--config", cfg}, 0, "已添加用户 王科长（officer）"},
		{"", []string{"user", "add", "--config", cfg, "李干事", "--password-file", pwFile}, 0, "已添加用户 李干事（viewer）"},
		{"another-one-3\n", []string{"user", "add", "王科长", "--config", cfg}, 1, `user "王科长" exists already`},
		{"short\n", []string{"user", "add", "张", "--config", cfg}, 2, "at least 8 characters"},
		{"", []string{"user", "add", "张", "--config", cfg}, 2, "at least 8 characters"},
		{"x\n", []string{"user", "add", "张", "--role", "admin", "--config", cfg}, 2, `--role "admin": officer or viewer`},
		{"", []string{"user", "role", "李干事", "officer", "--config", cfg}, 0, "权限改为 officer"},
		{"new-password-4\n", []string{"user", "passwd", "李干事", "--config", cfg}, 0, "已为用户 李干事 设置新密码"},
		{"new-password-4\n", []string{"user", "passwd", "nobody", "--config", cfg}, 1, `no user "nobody"`},
		{"", []string{"user", "list", "--config", cfg}, 0, "李干事\tofficer"},
		{"", []string{"user", "remove", "李干事", "--config", cfg}, 0, "已删除用户 李干事"},
		{"", []string{"user", "remove", "李干事", "--config", cfg}, 1, `no user "李干事"`},
		{"", []string{"user", "frobnicate", "--config", cfg}, 2, `unknown "frobnicate"`},
		{"", []string{"user", "add", "--config", cfg}, 2, "takes 1 argument"},
	} {
		t.Run(strings.Join(tc.args[:2], " "), func(t *testing.T) {
			out, errOut, code := runIn(t, tc.stdin, tc.args...)
			got := out
			if code != 0 {
				got = errOut
			}
			if code != tc.code || !strings.Contains(got, tc.want) {
				t.Errorf("%v: exit %d, want %d with %q\nstdout: %s\nstderr: %s", tc.args, code, tc.code, tc.want, out, errOut)
			}
		})
	}
	if out, _, _ := runIn(t, "", "user", "list", "--config", cfg); strings.Contains(out, "李干事") || !strings.Contains(out, "王科长\tofficer") {
		t.Errorf("user list at the end:\n%s", out)
	}
}

// TestServe: `shoubao serve` serves the console over run's data (store and
// files) with no mailbox secrets; a user added with `shoubao user add`
// logs in and downloads a file.
func TestServe(t *testing.T) {
	cfg := demoConfig(t)
	if _, errOut, code := runIn(t, "correct-horse-1\n", "user", "add", "王科长", "--role", "officer", "--config", cfg); code != 0 {
		t.Fatalf("user add: %s", errOut)
	}
	base, stop := start(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	defer stop()
	c := login(t, base, "王科长", "correct-horse-1")
	body := get(t, c, base+"/c/"+demo.CampaignID+"/units/"+url.PathEscape("陵川县发展改革和科技局"), 200)
	m := regexp.MustCompile(`href="(/c/[^"]+/files/[0-9a-f]{64})"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no file link on the unit page:\n%s", body)
	}
	if b := get(t, c, base+m[1], 200); len(b) == 0 {
		t.Error("empty download")
	}
	if r, err := http.Get(base + "/healthz"); err != nil || r.StatusCode != 200 {
		t.Errorf("healthz: %v %v", r, err)
	}
}

// TestDemoKeepConsole: `demo --keep` prints the console's address and a
// login that works.
func TestDemoKeepConsole(t *testing.T) {
	var out syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- runMain(ctx, &environment{stdout: &out, stderr: io.Discard}, []string{"demo", "--keep"})
	}()
	re := regexp.MustCompile(`网页控制台（用浏览器打开）：(http://127\.0\.0\.1:\d+)/\n  用户名 (\S+)，密码 (\S+)`)
	var m []string
	for deadline := time.Now().Add(2 * time.Minute); m == nil && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		m = re.FindStringSubmatch(out.String())
	}
	if m == nil {
		cancel()
		<-done
		t.Fatalf("no console address printed:\n%s", out.String())
	}
	c := login(t, m[1], m[2], m[3])
	if body := get(t, c, m[1]+"/c/"+demo.CampaignID+"/", 200); !strings.Contains(body, `data-count="expected">12<`) {
		t.Errorf("overview:\n%s", body)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("demo --keep exited %d", code)
	}
}

// start runs a command that serves until stopped and returns the address
// it printed.
func start(t *testing.T, args ...string) (base string, stop func()) {
	t.Helper()
	var out syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- runMain(ctx, &environment{stdout: &out, stderr: io.Discard}, args) }()
	re := regexp.MustCompile(`(http://127\.0\.0\.1:\d+)/`)
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1], func() {
				cancel()
				if code := <-done; code != 0 {
					t.Errorf("%v exited %d", args, code)
				}
			}
		}
	}
	cancel()
	t.Fatalf("%v printed no address: %s", args, out.String())
	return "", nil
}

func login(t *testing.T, base, name, pw string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	page := get(t, c, base+"/login", 200)
	m := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("login page:\n%s", page)
	}
	r, err := c.PostForm(base+"/login", url.Values{"name": {name}, "password": {pw}, "token": {m[1]}, "next": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 200 || strings.Contains(r.Request.URL.Path, "login") {
		t.Fatalf("login as %s: %d at %s", name, r.StatusCode, r.Request.URL)
	}
	return c
}

func get(t *testing.T, c *http.Client, u string, status int) string {
	t.Helper()
	r, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	if r.StatusCode != status {
		t.Fatalf("GET %s: %d, want %d\n%s", u, r.StatusCode, status, b)
	}
	return string(b)
}
