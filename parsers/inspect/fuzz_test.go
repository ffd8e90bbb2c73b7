package inspect

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzMessage inspects arbitrary messages three ways: parts held in memory
// (the defaults), every part spooled to TempDir (MemPartBytes < 0), and a
// mix (parts over 300 bytes, or beyond a budget of two buffers, to
// TempDir). The trees must be the same, with no error and no scratch file
// left behind.
func FuzzMessage(f *testing.F) {
	seeds, err := filepath.Glob("../mail/testdata/*.eml")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		if len(data) < 64<<10 {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var want []byte
		for i, o := range []Options{{}, {MemPartBytes: -1}, {MemPartBytes: 300, MemBytes: 2 * minBuffer}} {
			o.TempDir = t.TempDir()
			o.Limits = Limits{MaxParts: 50, MaxFiles: 50}
			n, err := Message(context.Background(), bytes.NewReader(data), o)
			if err != nil {
				t.Fatalf("options %d: %v", i, err)
			}
			got, err := json.Marshal(n)
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				want = got
			} else if !bytes.Equal(got, want) {
				t.Fatalf("options %d give another tree:\n%s\nwant\n%s", i, got, want)
			}
			if left, _ := os.ReadDir(o.TempDir); len(left) != 0 {
				t.Fatalf("options %d: scratch files left: %v", i, left)
			}
		}
	})
}
