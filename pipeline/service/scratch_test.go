package service

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestScratchDirCleansWhatStoppedProcessesLeft: spooled parts of a process
// that died are removed at the next start; a live process's are kept.
func TestScratchDirCleansWhatStoppedProcessesLeft(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	root := filepath.Join(data, "tmp")
	live := filepath.Join(root, "p"+strconv.Itoa(os.Getppid()))
	for _, p := range []string{
		filepath.Join(root, "p999999999", "shoubao-1"), // a process that is gone
		filepath.Join(root, "shoubao-2"),               // an older version's loose file
		filepath.Join(live, "shoubao-3"),               // a live process's
		filepath.Join(root, "p"+strconv.Itoa(os.Getpid()), "stale"),
	} {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	dir, err := scratchDir(data)
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(root)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := map[string]bool{"p" + strconv.Itoa(os.Getppid()): true, "p" + strconv.Itoa(os.Getpid()): true}
	if len(names) != len(want) || !want[names[0]] || !want[names[1]] {
		t.Errorf("left in tmp: %v, want only the live processes' directories", names)
	}
	if own, _ := os.ReadDir(dir); len(own) != 0 {
		t.Errorf("own scratch dir not emptied: %v", own)
	}
	if _, err := os.Stat(filepath.Join(live, "shoubao-3")); err != nil {
		t.Errorf("a live process's file was removed: %v", err)
	}
	if st, _ := os.Stat(dir); st.Mode().Perm() != 0o700 {
		t.Errorf("scratch dir mode %v, want 0700", st.Mode().Perm())
	}
}
