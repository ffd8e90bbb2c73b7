package console_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/shoubao/shoubao/pipeline/demo"
	"github.com/shoubao/shoubao/pipeline/rules"
	"github.com/shoubao/shoubao/sinks"
	"github.com/shoubao/shoubao/sinks/sqlstore/pgtest"
)

var update = flag.Bool("update", false, "also write the browser test's screenshots to testdata/screenshots")

// EnvArtifacts names a directory where the browser test leaves its
// screenshots (default: the test's temporary directory).
const EnvArtifacts = "SHOUBAO_TEST_ARTIFACTS"

// chromium finds Debian's chromium; without it the test is skipped, or
// fails when the services are required (deploy/test.sh installs it).
func chromium(t *testing.T) string {
	for _, p := range []string{"/usr/bin/chromium", "chromium"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv(pgtest.EnvRequire) == "1" {
		t.Fatalf("chromium is required (%s=1) but not installed: apt-get install chromium fonts-noto-cjk, or run deploy/test.sh", pgtest.EnvRequire)
	}
	t.Skip("chromium not installed (apt-get install chromium fonts-noto-cjk; deploy/test.sh does it): browser test skipped")
	return ""
}

// TestBrowser drives the console in a real, headless Chromium over the
// demo's record: it logs in, checks the overview against the report,
// downloads a Chinese-named file, assigns an unmatched message through
// the confirmation page, sees the refusals, and saves a screenshot of
// every page.
func TestBrowser(t *testing.T) {
	exe := chromium(t)
	d := theDemo(t)
	srv := d.console(t)
	pw := d.addUser(t, "王科长", sinks.RoleOfficer)
	base := srv.URL + "/c/" + demo.CampaignID
	shots := newShots(t)

	downloads := t.TempDir()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "zh-CN"), chromedp.Flag("hide-scrollbars", true))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}
	location := func() string {
		t.Helper()
		l, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		return l
	}

	// Without a login, a page is the login page.
	do("open a page", chromedp.Navigate(base+"/units"), chromedp.WaitVisible(chromedp.CSS(`input[name="name"]`)))
	if l := location(); !strings.Contains(l, "/login?next=") {
		t.Fatalf("without login: at %s, want the login page", l)
	}
	shots.take(ctx, "login")
	do("log in",
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), "王科长"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), pw),
		chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.units`)))
	if l := location(); l != base+"/units" {
		t.Errorf("after login at %s, want the page asked for", l)
	}
	shots.take(ctx, "units")

	// The overview's numbers are the report's.
	before := d.report(t)
	do("overview", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`[data-count="expected"]`)))
	n := before.Counts
	for k, v := range map[string]int{"expected": n.Expected, "submitted": n.Submitted, "on_time": n.OnTime, "late": n.Late,
		"incomplete": n.Incomplete, "not_submitted": n.NotSubmitted, "with_problems": n.WithProblems,
		"unmatched": n.Unmatched, "inquiries": n.Inquiries, "messages": n.Messages} {
		if got := text(fmt.Sprintf(`[data-count=%q]`, k)); got != fmt.Sprint(v) {
			t.Errorf("overview shows %s = %s, shoubao report says %d", k, got, v)
		}
	}
	shots.take(ctx, "overview")

	// A unit's page; its Chinese-named file downloads intact.
	name, sha := chineseFile(t, before)
	unit := ""
	for _, u := range before.Units {
		for _, m := range u.Messages {
			if slices.ContainsFunc(m.Files, func(f rules.FileState) bool { return f.SHA256 == sha }) && unit == "" {
				unit = u.Name
			}
		}
	}
	do("unit page", chromedp.Navigate(base+"/units/"+url.PathEscape(unit)), chromedp.WaitVisible(chromedp.CSS(`table.files`)),
		chromedp.Click(chromedp.CSS(`details.receipt summary`)))
	shots.take(ctx, "unit")
	// A unit that sent a statistics table: the values as read.
	for _, u := range before.Units {
		if slices.ContainsFunc(u.Messages, func(m rules.MessageState) bool {
			return slices.ContainsFunc(m.Files, func(f rules.FileState) bool { return f.Kind == "stats_table" })
		}) {
			do("unit with a table", chromedp.Navigate(base+"/units/"+url.PathEscape(u.Name)), chromedp.WaitVisible(chromedp.CSS(`table.stats`)))
			shots.take(ctx, "unit-table")
			do("back", chromedp.Navigate(base+"/units/"+url.PathEscape(unit)), chromedp.WaitVisible(chromedp.CSS(`table.files`)))
			break
		}
	}
	progress := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	yes := true
	do("download", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads, EventsEnabled: &yes})
		return err
	}), chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href$=%q]`, "/files/"+sha))))
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			break
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatal("download canceled")
		}
	}
	b, err := os.ReadFile(filepath.Join(downloads, name))
	if err != nil {
		entries, _ := os.ReadDir(downloads)
		t.Fatalf("downloaded file not saved under its name %q: %v (the folder holds %v)", name, err, entries)
	}
	if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != sha {
		t.Errorf("downloaded %s: SHA-256 %x, want %s", name, sum, sha)
	}

	// Assign the first unmatched message to a unit that has sent nothing
	// (the form offers the candidates first, then the whole roster) and
	// see the unit's status change.
	if len(before.Unmatched) == 0 {
		t.Fatal("the demo has no unmatched message")
	}
	m := before.Unmatched[0]
	target := ""
	for _, u := range before.Units {
		if u.Status == rules.NotSubmitted && (target == "" || slices.Contains(m.Attribution.Candidates, u.Name)) {
			target = u.Name
		}
	}
	was := statusOf(before, target)
	do("pending page", chromedp.Navigate(base+"/pending"), chromedp.WaitVisible(chromedp.CSS(`form.assign`)))
	shots.take(ctx, "pending")
	do("assign",
		chromedp.SendKeys(chromedp.CSS(`form.assign input[name="unit"]`), target),
		chromedp.Click(chromedp.CSS(`form.assign button:not(.primary)`)),
		chromedp.WaitVisible(chromedp.CSS(`section.confirm`)))
	if what := text(`section.confirm .what`); !strings.Contains(what, target) || !strings.Contains(what, m.Subject) {
		t.Errorf("confirmation says %q", what)
	}
	shots.take(ctx, "confirm")
	do("confirm", chromedp.Click(chromedp.CSS(`section.confirm button.primary`)), chromedp.WaitVisible(chromedp.CSS(`.flash`)))
	after := d.report(t)
	now := statusOf(after, target)
	if flash := text(`.flash`); !strings.Contains(flash, "已记录") || (now != was && !strings.Contains(flash, rules.StatusLabel(now))) {
		t.Errorf("after confirming: %q", flash)
	}
	shots.take(ctx, "pending-after")
	do("unit after", chromedp.Navigate(base+"/units/"+url.PathEscape(target)), chromedp.WaitVisible(chromedp.CSS(`h1 .status`)))
	if got := text(`h1 .status`); got != rules.StatusLabel(now) {
		t.Errorf("%s shows %s, the report says %s", target, got, rules.StatusLabel(now))
	}
	if was == now {
		t.Errorf("%s: status stayed %s after the assignment", target, was)
	}
	if after.Counts.Unmatched != before.Counts.Unmatched-1 {
		t.Errorf("unmatched %d → %d", before.Counts.Unmatched, after.Counts.Unmatched)
	}

	for _, p := range []struct{ path, sel, shot string }{
		{"/roster", "table.roster", "roster"},
		{"/mail", "main h1", "mail"},
		{"/mailboxes", "main h1", "mailboxes"},
		{"/exports", "main h1", "exports"},
		{"/units?filter=problems", "table.units", "units-problems"},
	} {
		do(p.shot, chromedp.Navigate(base+p.path), chromedp.WaitVisible(chromedp.CSS(p.sel)))
		shots.take(ctx, p.shot)
	}

	// A post without the CSRF token is refused.
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`fetch(%q, {method: "POST",
		headers: {"Content-Type": "application/x-www-form-urlencoded"},
		body: "kind=not_submission&confirmed=1&message=" + encodeURIComponent(%q)}).then(r => r.status)`,
		base+"/decide", before.Unmatched[len(before.Unmatched)-1].Key), chromedp.EvalAwaitPromise))
	if err != nil || status != 403 {
		t.Errorf("POST without the CSRF token: %d, %v; want 403", status, err)
	}
	if got := d.report(t).Counts; got.Unmatched != after.Counts.Unmatched {
		t.Error("the post without a token changed the record")
	}
	// A file of the campaign, asked for under another campaign, is not
	// found.
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(srv.URL+"/c/"+oldCampaign+"/files/"+sha))
	if err != nil || resp.Status != 404 || !strings.Contains(text("main"), "本活动中没有这个文件") {
		t.Errorf("another campaign's file: %v, %v", resp, err)
	}
	// Logged out, pages lead to the login page again.
	do("log out", chromedp.Navigate(base+"/"), chromedp.Click(chromedp.CSS(`header .who button`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name="password"]`)))
	do("page after logout", chromedp.Navigate(base+"/roster"), chromedp.WaitVisible(chromedp.CSS(`input[name="password"]`)))
	if l := location(); !strings.Contains(l, "/login") {
		t.Errorf("after logout: at %s", l)
	}
	t.Logf("screenshots in %s", shots.dir)
}

func statusOf(st *rules.State, unit string) string {
	for _, u := range st.Units {
		if u.Name == unit {
			return u.Status
		}
	}
	return ""
}

// shots saves full-page screenshots (PNG) in the artifacts directory, and
// with -update in testdata/screenshots.
type shots struct {
	t   *testing.T
	dir string
}

func newShots(t *testing.T) *shots {
	dir := t.TempDir()
	if a := os.Getenv(EnvArtifacts); a != "" {
		dir = filepath.Join(a, "console")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &shots{t: t, dir: dir}
}

func (s *shots) take(ctx context.Context, name string) {
	s.t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		s.t.Fatalf("screenshot %s: %v", name, err)
	}
	png = shrinkPNG(s.t, png)
	if err := os.WriteFile(filepath.Join(s.dir, name+".png"), png, 0o644); err != nil {
		s.t.Fatal(err)
	}
	if *update {
		if err := os.MkdirAll("testdata/screenshots", 0o755); err != nil {
			s.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("testdata/screenshots", name+".png"), png, 0o644); err != nil {
			s.t.Fatal(err)
		}
	}
}

// shrinkPNG makes a screenshot small enough to keep in the repository:
// the page's 256 most frequent colours (text, backgrounds, borders), each
// other colour (anti-aliased edges) mapped to the nearest of them.
func shrinkPNG(t *testing.T, b []byte) []byte {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	bounds := img.Bounds()
	count := map[color.RGBA]int{}
	rgba := func(x, y int) color.RGBA { return color.RGBAModel.Convert(img.At(x, y)).(color.RGBA) }
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			count[rgba(x, y)]++
		}
	}
	all := make([]color.RGBA, 0, len(count))
	for c := range count {
		all = append(all, c)
	}
	slices.SortFunc(all, func(a, b color.RGBA) int {
		if count[a] != count[b] {
			return count[b] - count[a]
		}
		return int(a.R)<<16 | int(a.G)<<8 | int(a.B) - (int(b.R)<<16 | int(b.G)<<8 | int(b.B))
	})
	pal := color.Palette{}
	for _, c := range all[:min(256, len(all))] {
		pal = append(pal, c)
	}
	index := map[color.RGBA]uint8{}
	for _, c := range all {
		index[c] = uint8(pal.Index(c))
	}
	out := image.NewPaletted(bounds, pal)
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			out.SetColorIndex(x, y, index[rgba(x, y)])
		}
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, out); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
