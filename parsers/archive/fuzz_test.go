package archive

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/shoubao/shoubao/parsers/internal/hostile"
)

// FuzzArchive feeds arbitrary bytes to the zip, rar, 7z, tar and gzip
// readers: no panic, no hang, members within the budget and with safe
// paths. Seeds: every archive in testdata, a tar, a tar.gz and a gzip.
func FuzzArchive(f *testing.F) {
	for _, seed := range streamSeeds(f) {
		f.Add(seed)
	}
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
		case bytes.HasPrefix(data, []byte("\x1f\x8b")):
			format = "gzip"
		case len(data) >= 512 && IsTarHeader(data):
			format = "tar"
		}
		fuzzWalk(t, data, format)
	})
}

// escapes are the \uXXXX escapes of direction characters, the only
// backslashes a clean path may hold.
var escapes = regexp.MustCompile(`\\u(202[A-E]|206[6-9]|200[EF]|061C)`)

// streamSeeds are a tar, a tar.gz and a lone gzip.
func streamSeeds(f *testing.F) [][]byte {
	entries := []hostile.Entry{{Name: "材料/活动总结.txt", Data: []byte("活动总结\n")}, {Name: "照片.jpg", Data: []byte("\xff\xd8\xff\xe0")}}
	var t, tgz, gz bytes.Buffer
	if err := hostile.Tar(&t, entries); err != nil {
		f.Fatal(err)
	}
	if err := hostile.TarGz(&tgz, entries); err != nil {
		f.Fatal(err)
	}
	if err := hostile.GzipZeros(&gz, "zeros.bin", 1<<10); err != nil {
		f.Fatal(err)
	}
	return [][]byte{t.Bytes(), tgz.Bytes(), gz.Bytes()}
}

// FuzzGzip compresses the fuzzed bytes and walks them as a gzip file, so
// that mutations reach the tar reader behind the decompressor (and the
// lone-member path) instead of failing the gzip checksum.
func FuzzGzip(f *testing.F) {
	for _, seed := range streamSeeds(f)[:1] {
		f.Add(seed)
	}
	f.Add([]byte("活动总结"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(data)
		zw.Close()
		fuzzWalk(t, buf.Bytes(), "gzip")
	})
}

// fuzzWalk walks data as format within an 8 MiB budget and checks what
// comes out.
func fuzzWalk(t *testing.T, data []byte, format string) {
	{
		b := NewBudget(8<<20, 100, 0)
		b.MaxDictionary = 4 << 20
		var total int64
		_, err := WalkNamed(context.Background(), bytes.NewReader(data), int64(len(data)), format, "fuzz.gz", b, func(ctx context.Context, m *Member, r io.Reader) error {
			if strings.HasPrefix(m.Path, "/") || strings.Contains("/"+m.Path+"/", "/../") || strings.Contains(escapes.ReplaceAllString(m.Path, ""), `\`) {
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
	}
}
