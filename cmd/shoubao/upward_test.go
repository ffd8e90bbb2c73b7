package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-message/mail"

	"github.com/shoubao/shoubao/pipeline/demo"
)

// TestExportSendUpward mails the merged tables to the upper office once,
// through a real SMTP server, after a preview; a second --send is refused
// without --again; a small size limit splits the package.
func TestExportSendUpward(t *testing.T) {
	dir := t.TempDir()
	if _, code := run(t, "demo", "--data-dir", dir); code != 0 {
		t.Fatalf("demo exited %d", code)
	}
	out, err := demo.StartOutbox()
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte(demo.Password), 0o600); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, "晋城市科技活动周总结.docx")
	if err := os.WriteFile(report, []byte("PK\x03\x04 the office's own report"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "shoubao.yaml")
	write := func(extra string) {
		y := demo.CampaignYAMLWithSMTP("127.0.0.1", 1143, pw, out.Port())
		y = strings.Replace(y, "    receipts: {mode: send", "    upward: {to: sheng@kjt.gov.cn, report: "+report+extra+"}\n    receipts: {mode: preview", 1)
		if err := os.WriteFile(cfg, []byte("data_dir: "+dir+"\ncampaigns:"+y), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("")
	exports := filepath.Join(dir, "exports")
	got, code := run(t, "export", "--config", cfg, "--out", exports, "--only", "list", "--send-preview")
	if code != 0 || !strings.Contains(got, "收件 sheng@kjt.gov.cn，共 1 封邮件") || !strings.Contains(got, "预览，未发送") || len(out.Messages()) != 0 {
		t.Fatalf("preview (exit %d, %d sent):\n%s", code, len(out.Messages()), got)
	}
	got, code = run(t, "export", "--config", cfg, "--out", exports, "--only", "list", "--send")
	if code != 0 || !strings.Contains(got, "已发送给 sheng@kjt.gov.cn") || len(out.Messages()) != 1 {
		t.Fatalf("send (exit %d, %d sent):\n%s", code, len(out.Messages()), got)
	}
	mr, err := mail.CreateReader(bytes.NewReader(out.Messages()[0]))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := mr.Header.Subject()
	if subject != "晋城市科学技术局报送2026年晋城市科技活动周和科技工作者日活动材料" {
		t.Errorf("subject %q", subject)
	}
	var names []string
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		if h, ok := p.Header.(*mail.AttachmentHeader); ok {
			name, _ := h.Filename()
			b, _ := io.ReadAll(p.Body)
			if len(b) == 0 {
				t.Errorf("attachment %s is empty", name)
			}
			names = append(names, name)
		}
	}
	if len(names) != 4 || !strings.HasPrefix(names[0], "统计汇总表") || names[3] != "晋城市科技活动周总结.docx" {
		t.Errorf("attachments %v", names)
	}
	// Once.
	if got, code := run(t, "export", "--config", cfg, "--out", exports, "--only", "list", "--send"); code != 2 || len(out.Messages()) != 1 {
		t.Fatalf("second send: exit %d, %d sent:\n%s", code, len(out.Messages()), got)
	}
	// Again, split by a small limit.
	write(", max_mail_size: 40KB")
	got, code = run(t, "export", "--config", cfg, "--out", exports, "--only", "list", "--send", "--again")
	if code != 0 || len(out.Messages()) < 3 || !strings.Contains(got, "（第1封，共") {
		t.Fatalf("split send (exit %d, %d sent):\n%s", code, len(out.Messages()), got)
	}
}
