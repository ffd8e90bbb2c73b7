package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/demo"
)

// TestStatusNoData: `status` pointed at a data directory without a store
// says so, naming the directory, and exits 1 without creating anything.
func TestStatusNoData(t *testing.T) {
	for _, tc := range []struct {
		name string
		// setup returns the configuration's data_dir line (relative
		// to dir) and the directory status must name.
		setup func(t *testing.T, dir string) (dataDirLine, want string)
	}{
		{"data_dir does not exist", func(t *testing.T, dir string) (string, string) {
			return "data_dir: no-such-data\n", filepath.Join(dir, "no-such-data")
		}},
		{"data_dir empty", func(t *testing.T, dir string) (string, string) {
			if err := os.Mkdir(filepath.Join(dir, "empty"), 0o750); err != nil {
				t.Fatal(err)
			}
			return "data_dir: empty\n", filepath.Join(dir, "empty")
		}},
		{"default data_dir", func(t *testing.T, dir string) (string, string) {
			return "", filepath.Join(dir, "shoubao-data")
		}},
		{"SHOUBAO_DATA_DIR elsewhere", func(t *testing.T, dir string) (string, string) {
			other := filepath.Join(dir, "elsewhere")
			t.Setenv(config.EnvDataDir, other)
			return "data_dir: data\n", other
		}},
		{"data_dir holds other files", func(t *testing.T, dir string) (string, string) {
			if err := os.MkdirAll(filepath.Join(dir, "data", "nats"), 0o750); err != nil {
				t.Fatal(err)
			}
			return "data_dir: data\n", filepath.Join(dir, "data")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			line, want := tc.setup(t, dir)
			cfg := filepath.Join(dir, "shoubao.yaml")
			src := line + "campaigns:" + demo.CampaignYAML("127.0.0.1", 1143, filepath.Join(dir, "no-such-secret"))
			if err := os.WriteFile(cfg, []byte(src), 0o600); err != nil {
				t.Fatal(err)
			}
			before := listTree(t, dir)
			var out, errOut bytes.Buffer
			code := runMain(context.Background(), &environment{stdout: &out, stderr: &errOut}, []string{"status", "--config", cfg})
			msg := errOut.String()
			if code != 1 {
				t.Errorf("exit %d, want 1; stderr %q", code, msg)
			}
			for _, w := range []string{"no shoubao data found in " + want, "--config", "data_dir"} {
				if !strings.Contains(msg, w) {
					t.Errorf("stderr %q does not say %q", msg, w)
				}
			}
			if out.Len() != 0 {
				t.Errorf("stdout %q, want nothing", out.String())
			}
			if after := listTree(t, dir); after != before {
				t.Errorf("status created files:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}

func listTree(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		b.WriteString(p + "\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestRedactedOutput: what run and status print (errors, log lines) never
// holds the password of store.url or bus.url.
func TestRedactedOutput(t *testing.T) {
	cfg := &config.Config{
		Store: config.Store{URL: "postgres://shoubao:pg-s3cret@db:5432/shoubao"},
		Bus:   config.Bus{URL: "nats://n:nats-s3cret@10.0.0.1:4222,nats://t0ken-s3cret@10.0.0.2:4222"},
	}
	for _, tc := range []struct {
		name, in, want string
	}{
		{"store url in an error", `connect "postgres://shoubao:pg-s3cret@db:5432/shoubao": refused`,
			`connect "postgres://shoubao:xxxxx@db:5432/shoubao": refused`},
		{"bus url in an error", "bus connect nats://n:nats-s3cret@10.0.0.1:4222: timeout",
			"bus connect nats://n:xxxxx@10.0.0.1:4222: timeout"},
		{"token alone", "auth t0ken-s3cret rejected", "auth xxxxx rejected"},
		{"nothing secret", "bus connect: timeout", "bus connect: timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := errors.New(tc.in)
			err := redactErr(cfg, base)
			if err.Error() != tc.want {
				t.Errorf("error %q, want %q", err, tc.want)
			}
			if !errors.Is(err, base) {
				t.Error("the redacted error does not wrap the original")
			}
			var buf bytes.Buffer
			newLogger(redactWriter{&buf, cfg}, "info").Info("store", "err", tc.in)
			if strings.Contains(buf.String(), "s3cret") || !strings.Contains(buf.String(), "level=INFO") {
				t.Errorf("log line %q", buf.String())
			}
		})
	}
	if redactErr(cfg, nil) != nil {
		t.Error("redactErr(nil) != nil")
	}
	// status still exits 3 through the wrapper.
	if !errors.As(redactErr(cfg, errUnhealthy{}), new(errUnhealthy)) {
		t.Error("errUnhealthy lost")
	}
}
