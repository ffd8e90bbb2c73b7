package archive

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

type got struct {
	paths    []string
	sums     map[string]string
	findings map[string][]string // member findings by path
	arch     []string            // archive findings
}

func walkFile(t *testing.T, name, format string, b *Budget) got {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	return walkReader(t, f, st.Size(), format, b)
}

func walkReader(t *testing.T, ra ReaderAt, size int64, format string, b *Budget) got {
	t.Helper()
	if b == nil {
		b = NewBudget(0, 0, 0)
	}
	g := got{sums: map[string]string{}, findings: map[string][]string{}}
	fl, err := Walk(context.Background(), ra, size, format, b, func(ctx context.Context, m *Member, r io.Reader) error {
		g.paths = append(g.paths, m.Path)
		if r != nil {
			h := sha256.New()
			if _, err := io.Copy(h, r); err != nil {
				return err
			}
			g.sums[m.Path] = hex.EncodeToString(h.Sum(nil))
		}
		// Findings are complete once the reader is drained.
		for _, f := range m.Findings {
			g.findings[m.Path] = append(g.findings[m.Path], f.Code)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fl {
		g.arch = append(g.arch, f.Code)
	}
	return g
}

func sumFile(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func TestWalkFixtures(t *testing.T) {
	photo := sumFile(t, "../mail/testdata/media/photo.jpg")
	tests := []struct {
		file, format string
		paths        []string
		arch         []string
		member       map[string][]string
	}{
		{"gbk_windows.zip", "zip", []string{"高平市/活动照片.jpg", "高平市/活动总结.docx"}, nil, nil},
		{"utf8_flag.zip", "zip", []string{"活动照片.jpg"}, nil, nil},
		{"utf8_7zip.zip", "zip", []string{"开展情况统计表.xlsx", "材料/活动总结.docx", "材料/活动照片.jpg"}, nil, nil},
		{"materials.7z", "7z", []string{"开展情况统计表.xlsx", "材料/活动总结.docx", "材料/活动照片.jpg"}, nil, nil},
		{"nested.zip", "zip", []string{"middle.zip"}, nil, nil},
		{"traversal.zip", "zip", []string{"etc/passwd.xlsx", "abs/照片.jpg"}, nil, map[string][]string{"etc/passwd.xlsx": {"unsafe_file_name"}, "abs/照片.jpg": {"unsafe_file_name"}}},
		{"encrypted.zip", "zip", []string{"开展情况统计表.xlsx"}, nil, map[string][]string{"开展情况统计表.xlsx": {"archive_encrypted"}}},
		{"encrypted.7z", "7z", nil, []string{"archive_encrypted"}, nil},
		{"truncated.zip", "zip", nil, []string{"archive_corrupt"}, nil},
		{"damaged_member.zip", "zip", []string{"活动照片.jpg"}, nil, map[string][]string{"活动照片.jpg": {"archive_corrupt"}}},
		{"signature_only.rar", "rar", nil, []string{"archive_corrupt"}, nil},
		{"stored.rar", "rar", []string{"高平市/活动照片.jpg", "高平市/活动总结.docx"}, nil, nil},
		{"gbk_windows.zip", "cab", nil, []string{"archive_unsupported"}, nil},
		{"gbk_windows.zip", "tar", nil, []string{"archive_corrupt"}, nil},
		{"gbk_windows.zip", "gzip", nil, []string{"archive_corrupt"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.format, func(t *testing.T) {
			g := walkFile(t, tt.file, tt.format, nil)
			if !slices.Equal(g.paths, tt.paths) {
				t.Errorf("paths = %q, want %q", g.paths, tt.paths)
			}
			if !slices.Equal(g.arch, tt.arch) {
				t.Errorf("archive findings = %q, want %q", g.arch, tt.arch)
			}
			for p, want := range tt.member {
				if !slices.Equal(g.findings[p], want) {
					t.Errorf("%s findings = %q, want %q", p, g.findings[p], want)
				}
			}
			for p, sum := range g.sums {
				if filepath.Ext(p) == ".jpg" && sum != photo && tt.member[p] == nil {
					t.Errorf("%s: content differs from the photo put in", p)
				}
			}
		})
	}
}

// bomb writes a zip holding n members of size bytes of zeros each.
func bomb(t *testing.T, n int, size int64) *os.File {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "bomb-*.zip")
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	zero := make([]byte, 1<<20)
	for i := 0; i < n; i++ {
		w, err := zw.Create(filepath.Join("d", string(rune('a'+i%26))+".bin"))
		if err != nil {
			t.Fatal(err)
		}
		for left := size; left > 0; left -= int64(len(zero)) {
			if _, err := w.Write(zero[:min(left, int64(len(zero)))]); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestZipBombDeclared(t *testing.T) {
	f := bomb(t, 2, 20<<20)
	st, _ := f.Stat()
	g := walkReader(t, f, st.Size(), "zip", nil)
	if !slices.Equal(g.arch, []string{"zip_bomb"}) || len(g.paths) != 0 {
		t.Errorf("findings %q, members %q", g.arch, g.paths)
	}
}

// lyingSizes rewrites the declared uncompressed sizes of a zip to 1 byte,
// so only the streaming check can catch the bomb.
func lyingSizes(t *testing.T, f *os.File) *bytes.Reader {
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	for _, sig := range []string{"PK\x03\x04", "PK\x01\x02"} {
		off := 22 // uncompressed size in a local header
		if sig == "PK\x01\x02" {
			off = 24
		}
		for i := 0; ; {
			j := bytes.Index(b[i:], []byte(sig))
			if j < 0 {
				break
			}
			i += j
			copy(b[i+off:], []byte{1, 0, 0, 0})
			i += 4
		}
	}
	return bytes.NewReader(b)
}

type bytesRA struct{ *bytes.Reader }

func TestZipBombStreaming(t *testing.T) {
	f := bomb(t, 1, 20<<20)
	r := lyingSizes(t, f)
	g := walkReader(t, bytesRA{r}, r.Size(), "zip", nil)
	// archive/zip itself rejects a member longer than declared; either way
	// no more than the declared byte comes out and it is a finding.
	if len(g.arch) == 0 && len(g.findings["d/a.bin"]) == 0 {
		t.Errorf("no finding: %+v", g)
	}
}

func TestBudgetBytesShared(t *testing.T) {
	f := bomb(t, 3, 4<<20) // 12 MiB, below the ratio floor
	st, _ := f.Stat()
	g := walkReader(t, f, st.Size(), "zip", NewBudget(6<<20, 0, 0))
	if !slices.Equal(g.arch, []string{"archive_too_large"}) {
		t.Errorf("declared: findings %q", g.arch)
	}
	// One budget for two archives: the second one no longer fits.
	small := bomb(t, 1, 4<<20)
	sst, _ := small.Stat()
	b := NewBudget(6<<20, 0, 0)
	if g := walkReader(t, small, sst.Size(), "zip", b); len(g.arch) != 0 || len(g.paths) != 1 {
		t.Errorf("first: %+v", g)
	}
	if g := walkReader(t, small, sst.Size(), "zip", b); !slices.Equal(g.arch, []string{"archive_too_large"}) {
		t.Errorf("second: findings %q", g.arch)
	}
	// The ratio check, with a lower floor.
	b = NewBudget(0, 0, 0)
	b.RatioFloor = 1 << 20
	if g := walkReader(t, f, st.Size(), "zip", b); !slices.Contains(g.arch, "zip_bomb") {
		t.Errorf("ratio: findings %q", g.arch)
	}
}

func TestTooManyMembers(t *testing.T) {
	f := bomb(t, 30, 1)
	st, _ := f.Stat()
	g := walkReader(t, f, st.Size(), "zip", NewBudget(0, 10, 0))
	if !slices.Equal(g.arch, []string{"too_many_members"}) || len(g.paths) != 0 {
		t.Errorf("findings %q, members %d", g.arch, len(g.paths))
	}
}

func TestWalkFuncErrorStops(t *testing.T) {
	f, err := os.Open("testdata/materials.7z")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	boom := errors.New("disk full")
	_, err = Walk(context.Background(), f, st.Size(), "7z", NewBudget(0, 0, 0), func(context.Context, *Member, io.Reader) error { return boom })
	if !errors.Is(err, boom) {
		t.Errorf("err = %v", err)
	}
}
