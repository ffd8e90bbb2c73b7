package archive

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzArchive feeds arbitrary bytes to the zip, rar and 7z readers: no
// panic, no hang, members within the budget and with safe paths. Seeds:
// every archive in testdata.
func FuzzArchive(f *testing.F) {
	for _, pat := range []string{"testdata/*.zip", "testdata/*.7z", "testdata/*.rar"} {
		files, _ := filepath.Glob(pat)
		for _, name := range files {
			b, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		format := "zip"
		switch {
		case bytes.HasPrefix(data, []byte("Rar!")):
			format = "rar"
		case bytes.HasPrefix(data, []byte("7z\xbc\xaf")):
			format = "7z"
		}
		b := NewBudget(8<<20, 100, 0)
		b.MaxDictionary = 4 << 20
		var total int64
		_, err := Walk(context.Background(), bytes.NewReader(data), int64(len(data)), format, b, func(ctx context.Context, m *Member, r io.Reader) error {
			if strings.HasPrefix(m.Path, "/") || strings.Contains("/"+m.Path+"/", "/../") || strings.Contains(m.Path, `\`) {
				t.Errorf("unsafe path %q", m.Path)
			}
			if r != nil {
				n, err := io.Copy(io.Discard, r)
				total += n
				return err
			}
			return nil
		})
		if err != nil {
			t.Fatalf("Walk error: %v", err)
		}
		if total > 8<<20+1 {
			t.Errorf("expanded %d bytes beyond the budget", total)
		}
	})
}
