package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shoubao/shoubao/pipeline/imapmem"
)

// TestRunOnce runs `shoubao run --once` against a mailbox the way cron
// would, then reads the result with `status --json`.
func TestRunOnce(t *testing.T) {
	srv, err := imapmem.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := srv.AddUser("jcskjhzk@163.com", "code"); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../../parsers/mail/testdata/rfc2231_gbk.eml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Append("jcskjhzk@163.com", "INBOX", raw, time.Now()); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("code"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "shoubao.yaml")
	src := fmt.Sprintf(`data_dir: data
campaigns:
  - id: jc-2024
    title: 2024年晋城市科技活动周
    deadline: 2024-06-07
    materials: [stats_table, report, media]
    mailboxes:
      - address: jcskjhzk@163.com
        imap: {host: 127.0.0.1, port: %d, tls: none, password_file: %q}
    units:
      - {name: 陵川县发展改革和科技局, aliases: [陵川县科技局]}
`, srv.Port(), pw)
	if err := os.WriteFile(cfg, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, code := run(t, "run", "--once", "--config", cfg); code != 0 {
		t.Fatalf("run --once exited %d", code)
	}
	// data_dir is relative to the configuration file.
	if _, err := os.Stat(filepath.Join(dir, "data", "shoubao.db")); err != nil {
		t.Fatalf("no store in the data directory: %v", err)
	}
	// A second run finds nothing new and stores nothing twice.
	if _, code := run(t, "run", "--once", "--config", cfg); code != 0 {
		t.Fatalf("second run --once exited %d", code)
	}
	out, code := run(t, "status", "--json", "--config", cfg)
	var doc statusDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 {
		t.Fatalf("status: exit %d, %v\n%s", code, err, out)
	}
	if c := doc.Campaigns[0]; c.Messages != 1 || c.UnitsSubmitted != 1 {
		t.Fatalf("after run --once twice: %+v", c)
	}
}
