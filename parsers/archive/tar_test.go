package archive

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shoubao/shoubao/parsers/internal/hostile"
)

func TestTarAndGzip(t *testing.T) {
	photo, err := os.ReadFile("../mail/testdata/media/photo.jpg")
	if err != nil {
		t.Fatal(err)
	}
	entries := []hostile.Entry{{Name: "材料/活动照片.jpg", Data: photo}, {Name: "材料/说明.txt", Data: []byte("活动总结见附件。\n")}}
	var tarBuf, tgz, gz, gzNoName, gbkTar bytes.Buffer
	if err := hostile.Tar(&tarBuf, entries); err != nil {
		t.Fatal(err)
	}
	if err := hostile.TarGz(&tgz, entries); err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(&gz)
	zw.Name = string([]rune("\u00bb\u00ee\u00b6\u00af\u00d5\u00d5\u00c6\u00ac.jpg")) // 活动照片.jpg in GBK, as Latin-1 runes
	zw.Write(photo)
	zw.Close()
	zw = gzip.NewWriter(&gzNoName)
	zw.Write(photo)
	zw.Close()
	tw := tar.NewWriter(&gbkTar)
	tw.WriteHeader(&tar.Header{Name: "\xbb\xee\xb6\xaf\xd5\xd5\xc6\xac.jpg", Size: int64(len(photo)), Mode: 0o644, Format: tar.FormatGNU})
	tw.Write(photo)
	tw.WriteHeader(&tar.Header{Name: "dir/", Typeflag: tar.TypeDir, Format: tar.FormatGNU})
	tw.WriteHeader(&tar.Header{Name: "link", Linkname: "/etc/passwd", Typeflag: tar.TypeSymlink, Format: tar.FormatGNU})
	tw.Close()
	tests := []struct {
		name, format, file string
		data               []byte
		paths              []string
	}{
		{"tar", "tar", "材料.tar", tarBuf.Bytes(), []string{"材料/活动照片.jpg", "材料/说明.txt"}},
		{"tar.gz", "tar.gz", "材料.tar.gz", tgz.Bytes(), []string{"材料/活动照片.jpg", "材料/说明.txt"}},
		{"tar.gz detected as gzip", "gzip", "材料.tgz", tgz.Bytes(), []string{"材料/活动照片.jpg", "材料/说明.txt"}},
		{"gz named by its header (GBK)", "gzip", "x.gz", gz.Bytes(), []string{"活动照片.jpg"}},
		{"gz named by the file", "gzip", "照片.jpg.gz", gzNoName.Bytes(), []string{"照片.jpg"}},
		{"gz, no name at all", "gzip", "", gzNoName.Bytes(), []string{"解压内容"}},
		{"tar with GBK name, a directory and a symlink", "tar", "a.tar", gbkTar.Bytes(), []string{"活动照片.jpg"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var paths []string
			fl, err := WalkNamed(context.Background(), bytesRA{bytes.NewReader(tt.data)}, int64(len(tt.data)), tt.format, tt.file, NewBudget(0, 0, 0), func(ctx context.Context, m *Member, r io.Reader) error {
				paths = append(paths, m.Path)
				b, err := io.ReadAll(r)
				if err != nil {
					return err
				}
				if strings.HasSuffix(m.Path, ".jpg") && !bytes.Equal(b, photo) {
					t.Errorf("%s: content differs", m.Path)
				}
				if len(m.Findings) != 0 {
					t.Errorf("%s: findings %v", m.Path, m.Findings)
				}
				return nil
			})
			if err != nil || len(fl) != 0 {
				t.Errorf("err %v, findings %v", err, fl)
			}
			if !slices.Equal(paths, tt.paths) {
				t.Errorf("paths %q; want %q", paths, tt.paths)
			}
		})
	}
}

// gzipZerosFile writes a gzip of n zeros, named name in its header, into
// a temporary file.
func gzipZerosFile(t testing.TB, n int64) *os.File {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "zeros.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if err := hostile.GzipZeros(f, "", n); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestHostileStreams: gzip and tar bombs give their finding within
// hostile.TimeLimit (2 s; 10 s under -race) with a heap below
// hostile.HeapLimit, reading no more than the limits let through.
func TestHostileStreams(t *testing.T) {
	zeros := gzipZerosFile(t, 2<<30) // 2 GiB of zeros, 2.6 MB
	// The same bomb as concatenated gzip members of 64 MiB: the trailer
	// says 64 MiB, so only the streaming check can catch it.
	var one bytes.Buffer
	if err := hostile.GzipZeros(&one, "", 64<<20); err != nil {
		t.Fatal(err)
	}
	multi := bytes.Repeat(one.Bytes(), 32)
	var nested bytes.Buffer
	if err := hostile.NestedTarGzBomb(&nested, 16, 64<<20); err != nil {
		t.Fatal(err)
	}
	// The nested bomb again, each inner gzip made of 16 members of 4 MiB
	// so that its trailer understates it: only the input-wide ratio stops it.
	var small bytes.Buffer
	if err := hostile.GzipZeros(&small, "", 4<<20); err != nil {
		t.Fatal(err)
	}
	var lyingNested bytes.Buffer
	{
		inner := bytes.Repeat(small.Bytes(), 16)
		var mid bytes.Buffer
		var es []hostile.Entry
		for i := range 16 {
			es = append(es, hostile.Entry{Name: strings.Repeat("m", i+1) + ".gz", Data: inner})
		}
		if err := hostile.TarGz(&mid, es); err != nil {
			t.Fatal(err)
		}
		es = es[:0]
		for i := range 16 {
			es = append(es, hostile.Entry{Name: strings.Repeat("o", i+1) + ".tar.gz", Data: mid.Bytes()})
		}
		if err := hostile.TarGz(&lyingNested, es); err != nil {
			t.Fatal(err)
		}
	}
	var dirs bytes.Buffer
	{
		zw := gzip.NewWriter(&dirs)
		tw := tar.NewWriter(zw)
		for i := range 20_000 {
			tw.WriteHeader(&tar.Header{Name: strings.Repeat("d", 90) + "/" + string(rune('a'+i%26)) + "/", Typeflag: tar.TypeDir})
		}
		tw.Close()
		zw.Close()
	}
	var bigMember bytes.Buffer
	if err := hostile.TarGz(&bigMember, []hostile.Entry{{Name: "视频.mp4", Size: 64 << 20, Write: func(w io.Writer) error {
		_, err := io.CopyN(w, zeroReader{}, 64<<20)
		return err
	}}}); err != nil {
		t.Fatal(err)
	}
	st, _ := zeros.Stat()
	tests := []struct {
		name   string
		ra     ReaderAt
		size   int64
		format string
		budget func(*Budget)
		code   string
	}{
		{"gzip of 2 GiB of zeros", zeros, st.Size(), "gzip", nil, "zip_bomb"},
		{"gzip of 2 GiB of zeros, trailer understating", bytesRA{bytes.NewReader(multi)}, int64(len(multi)), "gzip", nil, "zip_bomb"},
		{"nested tar.gz bomb (16×16×64 MiB)", bytesRA{bytes.NewReader(nested.Bytes())}, int64(nested.Len()), "tar.gz", nil, "zip_bomb"},
		{"nested tar.gz bomb, trailers understating", bytesRA{bytes.NewReader(lyingNested.Bytes())}, int64(lyingNested.Len()), "tar.gz", nil, "zip_bomb"},
		{"20,000 directories", bytesRA{bytes.NewReader(dirs.Bytes())}, int64(dirs.Len()), "tar.gz", nil, "too_many_members"},
		{"member over MaxMemberBytes", bytesRA{bytes.NewReader(bigMember.Bytes())}, int64(bigMember.Len()), "tar.gz", func(b *Budget) { b.MaxMemberBytes = 1 << 20; b.Ratio = 1 << 20 }, "archive_too_large"},
		{"time limit", bytesRA{bytes.NewReader(multi)}, int64(len(multi)), "gzip", func(b *Budget) { b.MaxDuration = time.Nanosecond; b.Ratio = 1 << 20 }, "time_budget_exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBudget(0, 0, 0)
			if tt.budget != nil {
				tt.budget(b)
			}
			var codes []string
			var expanded int64
			var walkErr error
			elapsed, heap := hostile.Measure(func() {
				var fn WalkFunc
				fn = func(ctx context.Context, m *Member, r io.Reader) error {
					if strings.HasSuffix(m.Path, ".gz") {
						// Expand nested archives like inspect does, from
						// memory (they are small).
						inner, err := io.ReadAll(r)
						if err != nil {
							return err
						}
						expanded += int64(len(inner))
						fl, err := Walk(ctx, bytesRA{bytes.NewReader(inner)}, int64(len(inner)), "gzip", b, fn)
						for _, f := range fl {
							codes = append(codes, f.Code)
						}
						return err
					}
					n, err := io.Copy(io.Discard, r)
					expanded += n
					for _, f := range m.Findings {
						codes = append(codes, f.Code)
					}
					return err
				}
				fl, err := Walk(context.Background(), tt.ra, tt.size, tt.format, b, fn)
				walkErr = err
				for _, f := range fl {
					codes = append(codes, f.Code)
				}
			})
			t.Logf("%v, heap peak %.1f MiB, expanded %d MiB, findings %v", elapsed, float64(heap)/(1<<20), expanded>>20, codes)
			if walkErr != nil {
				t.Fatal(walkErr)
			}
			if !slices.Contains(codes, tt.code) {
				t.Errorf("findings %v; want %s", codes, tt.code)
			}
			if elapsed > hostile.TimeLimit() {
				t.Errorf("took %v; limit %v", elapsed, hostile.TimeLimit())
			}
			if heap > hostile.HeapLimit {
				t.Errorf("heap peaked at %d MiB", heap>>20)
			}
			if expanded > 64<<20 {
				t.Errorf("expanded %d MiB", expanded>>20)
			}
		})
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestUnsafeMemberNames: ".\x01." is not let through as "..", and a
// right-to-left override is shown escaped with a finding.
func TestUnsafeMemberNames(t *testing.T) {
	var buf bytes.Buffer
	if err := hostile.Tar(&buf, []hostile.Entry{{Name: "材料/.\x01./" + hostile.RTLName, Data: []byte("x")}}); err != nil {
		t.Fatal(err)
	}
	var got *Member
	_, err := Walk(context.Background(), bytesRA{bytes.NewReader(buf.Bytes())}, int64(buf.Len()), "tar", NewBudget(0, 0, 0), func(ctx context.Context, m *Member, r io.Reader) error {
		got = m
		return nil
	})
	if err != nil || got == nil {
		t.Fatal(err)
	}
	if got.Path != `材料/活动总结\u202Excod.exe` || got.Name != `活动总结\u202Excod.exe` || len(got.Findings) != 1 || got.Findings[0].Code != "unsafe_file_name" {
		t.Errorf("member %q %q %v", got.Path, got.Name, got.Findings)
	}
}
