package inspect

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// inputs are the fixtures whose inspection is kept in golden files.
func inputs(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, pat := range []string{"../mail/testdata/*.eml", "../archive/testdata/*.zip", "../archive/testdata/*.7z", "../archive/testdata/*.rar", "testdata/*.eml"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	if len(out) == 0 {
		t.Fatal("no fixtures")
	}
	return out
}

// TestGolden inspects every fixture and compares the JSON with
// testdata/golden/NAME.golden (go test -update rewrites them).
func TestGolden(t *testing.T) {
	for _, in := range inputs(t) {
		t.Run(filepath.Base(in), func(t *testing.T) {
			n, err := File(context.Background(), in, Options{TempDir: t.TempDir(), VideoLimitSeconds: 180})
			if err != nil {
				t.Fatal(err)
			}
			n.Path = filepath.ToSlash(in)
			got, err := json.MarshalIndent(n, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", "golden", strings.TrimSuffix(filepath.Base(in), filepath.Ext(in))+filepath.Ext(in)+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("inspection of %s differs from %s:\n%s", in, golden, got)
			}
		})
	}
}

// TestGoldenFiles inspects the single files of testdata/files (made by
// testdata/gen_files.sh) as `shoubao probe` does, with a 3-minute limit, and
// compares the JSON with testdata/golden/files/NAME.golden.
func TestGoldenFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/files/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no files (%v); run testdata/gen_files.sh", err)
	}
	for _, in := range files {
		t.Run(filepath.Base(in), func(t *testing.T) {
			n, err := File(context.Background(), in, Options{TempDir: t.TempDir(), VideoLimitSeconds: 180})
			if err != nil {
				t.Fatal(err)
			}
			n.Path = filepath.ToSlash(in)
			got, err := json.MarshalIndent(n, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", "golden", "files", filepath.Base(in)+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("inspection of %s differs from %s:\n%s", in, golden, got)
			}
		})
	}
}
