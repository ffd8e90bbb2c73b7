package service_test

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoubao/shoubao/pipeline/poller/imaptest"
	"github.com/shoubao/shoubao/pipeline/service"
)

// TestDataDirPrivate: whatever the umask, the data directory and what
// shoubao keeps in it are readable by its user alone; a password file
// others can read is warned about.
func TestDataDirPrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv := imaptest.Mem(t)
	cfg := testConfig(t, "", "", "", srv)
	pw := cfg.Campaign[0].Mailboxes[0].IMAP.Secret.PasswordFile
	if err := os.Chmod(pw, 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	svc, err := service.Open(ctx, cfg, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if err := svc.Once(ctx); err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(cfg.DataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(cfg.DataDir, path)
		if strings.Count(rel, string(filepath.Separator)) > 0 {
			return nil // below the top level: the owners' own modes
		}
		st, err := os.Stat(path)
		if err != nil {
			return err
		}
		if st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is %04o: readable by others", rel, st.Mode().Perm())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "password file is readable by other users") {
		t.Errorf("no warning about %s (0644):\n%s", pw, logs.String())
	}
}
