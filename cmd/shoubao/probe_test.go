package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func runProbe(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = runMain(context.Background(), &environment{stdout: &out, stderr: &errb}, append([]string{"probe"}, args...))
	return out.String(), errb.String(), code
}

func TestProbeJSON(t *testing.T) {
	files := []string{
		"../../parsers/mail/testdata/forwarded.eml",
		"../../parsers/archive/testdata/gbk_windows.zip",
		"../../parsers/mail/testdata/malformed_no_closing_boundary.eml",
	}
	out, stderr, code := runProbe(t, append([]string{"--json", "--temp-dir", t.TempDir()}, files...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	var lines []map[string]any
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line is not JSON: %v: %s", err, sc.Text())
		}
		lines = append(lines, m)
	}
	if len(lines) != len(files) {
		t.Fatalf("%d lines for %d files", len(lines), len(files))
	}
	for i, m := range lines {
		for _, k := range []string{"path", "kind", "size", "sha256", "findings"} {
			if _, ok := m[k]; !ok {
				t.Errorf("line %d lacks %q", i, k)
			}
		}
		if m["path"] != files[i] {
			t.Errorf("line %d path %v", i, m["path"])
		}
		if _, ok := m["findings"].([]any); !ok {
			t.Errorf("line %d findings is %T, want a list", i, m["findings"])
		}
	}
	msg := lines[0]["message"].(map[string]any)
	for _, k := range []string{"subject", "from", "date", "message_id", "class", "links", "to", "cc"} {
		if _, ok := msg[k]; !ok {
			t.Errorf("message lacks %q", k)
		}
	}
	if msg["class"] != "submission" || msg["subject"] != "转发：沁水县科技活动周材料" {
		t.Errorf("message = %v", msg)
	}
	fw := lines[0]["parts"].([]any)[0].(map[string]any)
	if fw["kind"] != "message" || fw["name"] != "沁水县科技活动周材料.eml" || fw["message"].(map[string]any)["from"] != "沁水县科技局 <unit@126.com>" {
		t.Errorf("forwarded part = %v", fw)
	}
	zip := lines[1]
	if zip["kind"] != "archive" || len(zip["parts"].([]any)) != 2 {
		t.Errorf("zip = %v", zip)
	}
	if zip["parts"].([]any)[0].(map[string]any)["member"] != "高平市/活动照片.jpg" {
		t.Errorf("zip member = %v", zip["parts"])
	}
	if f := lines[2]["findings"].([]any); len(f) == 0 || f[0].(map[string]any)["code"] != "mime_unterminated" {
		t.Errorf("malformed findings = %v", f)
	}
}

func TestProbeTreeAndErrors(t *testing.T) {
	out, _, code := runProbe(t, "--temp-dir", t.TempDir(), "../../parsers/mail/testdata/rfc2231_gbk.eml")
	if code != 0 || !strings.Contains(out, "陵川县科技活动周现场照片（一）第一组.jpg") || !strings.Contains(out, "主题: 陵川县科技局报送材料") {
		t.Errorf("exit %d, tree:\n%s", code, out)
	}
	out, stderr, code := runProbe(t, "--json", "../../parsers/mail/testdata/autoreply.eml", "/nonexistent/file.eml")
	if code != 1 || !strings.Contains(stderr, "nonexistent") || strings.Count(out, "\n") != 1 {
		t.Errorf("exit %d, stderr %q, out %q", code, stderr, out)
	}
	if _, _, code := runProbe(t); code != 2 {
		t.Errorf("no files: exit %d", code)
	}
}
