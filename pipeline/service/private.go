package service

import (
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/shoubao/shoubao/pipeline/config"
)

// private makes the data directory readable by this user alone, whatever
// the umask: the directory and the directories in it 0700, the files 0600.
// Submissions hold names and phone numbers. Only the data directory's top
// two levels are walked (the store's files, the embedded server's
// directory and its stream directories are created 0700/0600 by their
// owners after that).
func private(dir string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		depth := 0
		for _, c := range rel {
			if c == filepath.Separator {
				depth++
			}
		}
		mode := os.FileMode(0o600)
		if d.IsDir() {
			mode = 0o700
		}
		if err := os.Chmod(path, mode); err != nil {
			return fmt.Errorf("data dir: %w", err)
		}
		if d.IsDir() && rel != "." && depth >= 1 {
			return fs.SkipDir
		}
		return nil
	})
}

// warnReadableSecrets logs a warning for every password file that other
// users can read.
func warnReadableSecrets(cfg *config.Config, log *slog.Logger) {
	files := []string{cfg.SMTP.Secret.PasswordFile}
	for _, c := range cfg.Campaign {
		for _, mb := range c.Mailboxes {
			files = append(files, mb.IMAP.Secret.PasswordFile, mb.SMTP.Secret.PasswordFile)
		}
	}
	for _, f := range files {
		if f == "" {
			continue
		}
		if st, err := os.Stat(f); err == nil && st.Mode().Perm()&0o077 != 0 {
			log.Warn("password file is readable by other users; chmod 600 it", "file", f, "mode", fmt.Sprintf("%04o", st.Mode().Perm()))
		}
	}
}
