package main

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoubao/shoubao/sinks/sqlstore/pgtest"
)

// TestStoreUnusable: `run --once` and `status` against a store that is
// unreachable, refuses the user, or is a damaged SQLite file exit 1 with a
// message saying so — they do not panic.
func TestStoreUnusable(t *testing.T) {
	badUser := func(t *testing.T) string {
		u, err := url.Parse(pgtest.SchemaURL(t))
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.UserPassword("shoubao_no_such_role", "s3cret")
		return u.String()
	}
	for _, c := range []struct {
		name, want string
		store      func(t *testing.T) string
	}{
		{"postgres port closed", "store unavailable", func(*testing.T) string { return "postgres://shoubao:s3cret@127.0.0.1:1/test?sslmode=disable" }},
		{"postgres bad user", "store unavailable", badUser},
		{"sqlite corrupt", "store corrupt", func(*testing.T) string { return "" }},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			data := filepath.Join(dir, "data")
			if err := os.MkdirAll(data, 0o750); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(data, "shoubao.db"), bytes.Repeat([]byte("damaged\n"), 1000), 0o600); err != nil {
				t.Fatal(err)
			}
			pw := filepath.Join(dir, "pw")
			if err := os.WriteFile(pw, []byte("code"), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := filepath.Join(dir, "shoubao.yaml")
			src := `data_dir: data
store: {url: "` + c.store(t) + `"}
campaigns:
  - id: jc-2024
    title: 2024年晋城市科技活动周
    deadline: 2024-06-07
    materials: [report]
    mailboxes:
      - address: jcskjhzk@163.com
        imap: {host: 127.0.0.1, port: 1, tls: none, password_file: "` + pw + `"}
`
			if err := os.WriteFile(cfg, []byte(src), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"run", "--once", "--config", cfg}, {"status", "--config", cfg}} {
				var out, errOut bytes.Buffer
				code := runMain(context.Background(), &environment{stdout: &out, stderr: &errOut}, args)
				msg := errOut.String()
				if code != 1 || !strings.Contains(msg, c.want) || strings.Contains(msg, "s3cret") {
					t.Errorf("shoubao %s: exit %d, stderr %q; want exit 1 saying %q, without the password", args[0], code, msg, c.want)
				}
			}
		})
	}
}
