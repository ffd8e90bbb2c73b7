package service

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// scratchDir returns this process's scratch directory, dataDir/tmp/p<pid>,
// created empty, after removing whatever processes that are gone left in
// dataDir/tmp (a crash or an out-of-memory kill leaves spooled parts
// behind). Several processes may share one data directory when the store
// and the bus are external; each cleans only what no live process owns.
func scratchDir(dataDir string) (string, error) {
	root := filepath.Join(dataDir, "tmp")
	if err := os.MkdirAll(root, 0o700); err != nil {
		return "", fmt.Errorf("scratch dir: %w", err)
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return "", fmt.Errorf("scratch dir: %w", err)
	}
	for _, e := range entries {
		if pid, ok := scratchOwner(e.Name()); ok && pid != os.Getpid() && alive(pid) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(root, e.Name())); err != nil {
			return "", fmt.Errorf("scratch dir: remove what a stopped process left: %w", err)
		}
	}
	dir := filepath.Join(root, "p"+strconv.Itoa(os.Getpid()))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("scratch dir: %w", err)
	}
	return dir, nil
}

// scratchOwner reads the process id from a scratch directory's name.
func scratchOwner(name string) (int, bool) {
	s, ok := strings.CutPrefix(name, "p")
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(s)
	return pid, err == nil && pid > 0
}

// alive reports whether a process with this id exists.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
