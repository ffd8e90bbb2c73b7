package export

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/pipeline/bus/bustest"
	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/rules"
)

func TestSafeName(t *testing.T) {
	long := strings.Repeat("很长的文件名", 40)
	for _, tc := range []struct{ in, want string }{
		{"活动总结.docx", "活动总结.docx"},
		{"../../etc/x.docx", "x.docx"},
		{"..\\..\\Windows\\x.docx", "x.docx"},
		{"/etc/passwd", "passwd"},
		{"C:\\Users\\a\\总结.docx", "总结.docx"},
		{"材料/", "材料"},
		{"..", "未命名"},
		{"../..", "未命名"},
		{"", "未命名"},
		// The display-direction characters, raw or as inspect's escapes.
		{"活动照片\u202egpj.exe", "活动照片gpj.exe"},
		{"活动照片\\u202Egpj.exe", "活动照片gpj.exe"},
		{"a\u2066b\u2069c\u200e\u200f\u061c.txt", "abc.txt"},
		{"名\x00字\x1b[31m.docx", "名字[31m.docx"},
		{"零宽\u200b\ufeff空格.docx", "零宽空格.docx"},
		{"a<b>c:d\"e|f?g*h.docx", "a_b_c_d_e_f_g_h.docx"},
		{"  结尾有点和空格. . ", "结尾有点和空格"},
		{".bashrc", "bashrc"},
		{"CON.docx", "_CON.docx"},
		{"nul", "_nul"},
		{"com1.tar.gz", "_com1.tar.gz"},
		{"COM10.txt", "COM10.txt"},
		{"制表\t换行\n名.docx", "制表 换行 名.docx"},
		// NFD (macOS) becomes NFC.
		{"Cafe\u0301.docx", "Café.docx"},
		{"\xff\xfe坏.docx", "坏.docx"},
		{long + ".docx", string([]rune(long)[:65]) + ".docx"}, // 200 bytes
	} {
		got := SafeName(tc.in)
		if got != tc.want {
			t.Errorf("SafeName(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if utf8.RuneCountInString(got) > maxNameRunes || len(got) > maxNameBytes || strings.ContainsAny(got, "/\\") {
			t.Errorf("SafeName(%q) = %q: too long or a path", tc.in, got)
		}
	}
}

func TestFolderName(t *testing.T) {
	for in, want := range map[string]string{
		"晋城市科学技术协会":  "晋城市科学技术协会",
		"市科协/科技馆":    "市科协_科技馆",
		"../市科协/科技馆": "_市科协_科技馆",
		"C:\\单位":     "C__单位",
		"单位\u202e名称": "单位名称",
	} {
		if got := FolderName(in); got != want {
			t.Errorf("FolderName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNamerNumbersClashes(t *testing.T) {
	n := newNamer()
	var got []string
	for _, name := range []string{"总结.docx", "总结.docx", "总结.DOCX", "总结 (2).docx", "照片", "照片", SafeName(strings.Repeat("长", 200) + ".jpg"), SafeName(strings.Repeat("长", 200) + ".jpg")} {
		got = append(got, n.take(name))
	}
	want := []string{"总结.docx", "总结 (2).docx", "总结 (3).DOCX", "总结 (2) (2).docx", "照片", "照片 (2)",
		strings.Repeat("长", 65) + ".jpg", strings.Repeat("长", 64) + " (2).jpg"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("name %d: %q, want %q", i, got[i], want[i])
		}
	}
}

// listing runs an outside zip lister and returns its output.
func listing(t *testing.T, tool, pkg string, args ...string) string {
	t.Helper()
	p := needTool(t, tool, pkg)
	out, err := exec.Command(p, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", tool, args, err, out)
	}
	return string(out)
}

// checkExtracted walks an extracted zip: every file is inside dir and
// has the content its path stands for.
func checkExtracted(t *testing.T, who, dir string, want map[string]string) {
	t.Helper()
	found := map[string]bool{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		sum, ok := want[rel]
		if !ok {
			return nil // the 一览表, link lists
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		h := sha256.Sum256(data)
		if hex.EncodeToString(h[:]) != sum {
			t.Errorf("%s: %s extracted with other content", who, rel)
		}
		found[rel] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for p := range want {
		if !found[p] {
			t.Errorf("%s: %s not extracted", who, p)
		}
	}
}

// TestZipExport writes the fixture's materials and lists and extracts the
// zip with unzip and 7-Zip: Chinese names intact, every file in its unit's
// folder with the stored content, the hostile member names of the
// fixture's zip inside 阳城's folder with safe names.
func TestZipExport(t *testing.T) {
	fx := newFixture(t)
	c := fx.load(t)
	var reported atomic.Int64
	var res *ZipResult
	path := writeFile(t, t.TempDir(), "报送材料.zip", func(f *os.File) (err error) {
		res, err = WriteZip(context.Background(), f, c, fx.bus, func(n int64) { reported.Store(n) })
		return err
	})
	want := map[string]string{}
	var total int64
	for _, u := range c.Units {
		for _, f := range u.Files {
			want[f.Path] = f.SHA256
			total += f.Size
		}
	}
	if res.Files != len(want) || res.Bytes != total || len(res.Missing) != 0 || reported.Load() != total {
		t.Errorf("result %+v, progress %d; want %d files, %d bytes", res, reported.Load(), len(want), total)
	}
	for _, p := range []string{"阳城县科技和商务局/x.docx", "阳城县科技和商务局/活动照片gpj.exe", "晋城市气象局/统计表.docx", "晋城市气象局/统计表.xls"} {
		if _, ok := want[p]; !ok {
			t.Errorf("no %s in %v", p, want)
		}
	}

	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if zr.File[0].Name != c.ListName {
		t.Errorf("first entry %q, want the 一览表 %q", zr.File[0].Name, c.ListName)
	}
	for _, f := range zr.File {
		name := f.Name
		nonASCII := strings.ContainsFunc(name, func(r rune) bool { return r >= 0x80 })
		if nonASCII && f.Flags&0x800 == 0 || f.NonUTF8 {
			t.Errorf("%q: no UTF-8 flag (flags %#x)", name, f.Flags)
		}
		if strings.Contains(name, "..") || strings.HasPrefix(name, "/") || strings.Contains(name, "\\") ||
			strings.ContainsFunc(name, hidden) || strings.Count(strings.TrimSuffix(name, "/"), "/") > 1 {
			t.Errorf("unsafe entry %q", name)
		}
	}

	unzipList := listing(t, "unzip", "unzip", "-l", path)
	sevenList := listing(t, "7z", "p7zip-full", "l", "-ba", path)
	for p := range want {
		if !strings.Contains(unzipList, p) {
			t.Errorf("unzip -l lacks %s:\n%s", p, unzipList)
		}
		if !strings.Contains(sevenList, p) {
			t.Errorf("7z l lacks %s:\n%s", p, sevenList)
		}
	}
	if !strings.Contains(unzipList, c.ListName) || !strings.Contains(sevenList, c.ListName) {
		t.Errorf("the 一览表 %s is not listed", c.ListName)
	}

	dir := t.TempDir()
	listing(t, "unzip", "unzip", "-q", path, "-d", filepath.Join(dir, "unzip"))
	checkExtracted(t, "unzip", filepath.Join(dir, "unzip"), want)
	listing(t, "7z", "p7zip-full", "x", "-y", "-o"+filepath.Join(dir, "7z"), path)
	checkExtracted(t, "7z", filepath.Join(dir, "7z"), want)
	// Nothing was written outside the extraction directories.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("extraction wrote %d entries next to its directories", len(entries))
	}

	// The 一览表 inside is the standalone one.
	var alone bytes.Buffer
	if err := WriteList(&alone, c); err != nil {
		t.Fatal(err)
	}
	r, _ := zr.File[0].Open()
	inside, _ := io.ReadAll(r)
	listPath := filepath.Join(dir, "inside.xlsx")
	os.WriteFile(listPath, inside, 0o644)
	alonePath := filepath.Join(dir, "alone.xlsx")
	os.WriteFile(alonePath, alone.Bytes(), 0o644)
	if dump(t, listPath) != dump(t, alonePath) {
		t.Error("the 一览表 in the zip differs from the standalone one")
	}
}

// memFiles is a files bucket in memory, for hostile names and failures.
type memFiles map[string][]byte

func (m memFiles) OpenFile(_ context.Context, sha string) (io.ReadCloser, error) {
	b, ok := m[sha]
	if !ok {
		return nil, fmt.Errorf("open file %s: %w", sha, bus.ErrNotFound)
	}
	if bytes.Equal(b, []byte("corrupt")) {
		return io.NopCloser(io.MultiReader(bytes.NewReader(b), errReader{})), nil
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("bytes do not match the manifest") }

// hostileCampaign has units whose stored names were never cleaned (facts
// from an older parser, or written by hand).
func hostileCampaign(names ...string) (*Campaign, memFiles) {
	st := &rules.State{Campaign: rules.CampaignInfo{ID: "h", Title: "测试"}, GeneratedAt: fxNow,
		Units: []rules.UnitState{{Name: "../市科协/科技馆", Status: rules.CompleteOnTime}, {Name: "甲县科技局", Status: rules.Incomplete}}}
	files := memFiles{}
	m := rules.MessageState{Key: "m1", Arrival: fxNow.Add(-time.Hour), Category: rules.Submission}
	for i, n := range names {
		data := []byte(fmt.Sprintf("file %d", i))
		h := sha256.Sum256(data)
		sum := hex.EncodeToString(h[:])
		files[sum] = data
		yes := true
		m.Files = append(m.Files, rules.FileState{Name: n, Kind: "report", Size: int64(len(data)), SHA256: sum, Usable: &yes})
	}
	st.Units[0].Messages = []rules.MessageState{m}
	st.Units[1].Messages = []rules.MessageState{m}
	c := build(&campaign.Campaign{}, st, nil)
	return c, files
}

func TestZipHostileNames(t *testing.T) {
	names := []string{"../../etc/x.docx", "/etc/passwd", "C:\\Windows\\System32\\x.docx", "报告\u202excod.exe",
		"CON.docx", "总结.docx", "总结.docx\x00", "总结.DOCX", strings.Repeat("长", 300) + ".docx", "..", "\u200f"}
	c, files := hostileCampaign(names...)
	var b bytes.Buffer
	if _, err := WriteZip(context.Background(), &b, c, files, nil); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range zr.File {
		got = append(got, f.Name)
	}
	want := []string{c.ListName, "_市科协_科技馆/", "_市科协_科技馆/x.docx", "_市科协_科技馆/passwd", "_市科协_科技馆/x (2).docx", "_市科协_科技馆/报告xcod.exe", "_市科协_科技馆/_CON.docx",
		"_市科协_科技馆/总结.docx", "_市科协_科技馆/总结 (2).docx", "_市科协_科技馆/总结 (3).DOCX", "_市科协_科技馆/" + strings.Repeat("长", 65) + ".docx", "_市科协_科技馆/未命名", "_市科协_科技馆/未命名 (2)",
		"甲县科技局/", "甲县科技局/x.docx"}
	if len(got) < len(want) {
		t.Fatalf("entries %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d: %q, want %q", i, got[i], want[i])
		}
	}
	if p := filepath.Join(t.TempDir(), "h.zip"); os.WriteFile(p, b.Bytes(), 0o644) == nil {
		if _, err := exec.LookPath("unzip"); err == nil {
			dir := t.TempDir()
			listing(t, "unzip", "unzip", "-q", p, "-d", filepath.Join(dir, "x"))
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				t.Errorf("unzip wrote outside its directory: %v", entries)
			}
		}
	}
}

// TestZipMissingAndCorrupt: a file the bucket lacks is left out and named
// in the 一览表; a file whose bytes fail their check stops the export.
func TestZipMissingAndCorrupt(t *testing.T) {
	c, files := hostileCampaign("甲.docx", "乙.docx")
	for sha, b := range files {
		if string(b) == "file 0" {
			delete(files, sha)
		}
	}
	var b bytes.Buffer
	res, err := WriteZip(context.Background(), &b, c, files, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Missing) != 2 || res.Missing["_市科协_科技馆/甲.docx"] == "" || res.Files != 2 {
		t.Errorf("result %+v", res)
	}
	zr, _ := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "甲.docx") {
			t.Errorf("missing file written: %s", f.Name)
		}
	}
	p := filepath.Join(t.TempDir(), "l.xlsx")
	r, _ := zr.File[0].Open()
	data, _ := io.ReadAll(r)
	os.WriteFile(p, data, 0o644)
	if d := dump(t, p); !strings.Contains(d, "文件库中没有此文件") {
		t.Errorf("the 一览表 does not name the missing file:\n%s", d)
	}

	for sha, data := range files {
		if string(data) == "file 1" {
			files[sha] = []byte("corrupt")
		}
	}
	if _, err := WriteZip(context.Background(), io.Discard, c, files, nil); err == nil || !strings.Contains(err.Error(), "do not match") {
		t.Errorf("corrupt file: %v", err)
	}
}

// TestZipLargeFile streams a large incompressible video from a real
// (embedded) files bucket into the zip and checks that memory stays flat:
// 256 MiB by default, 2 GiB with SHOUBAO_BIG_EXPORT=1.
func TestZipLargeFile(t *testing.T) {
	if testing.Short() {
		t.Skip("large file: not under -short")
	}
	size := int64(256 << 20)
	if os.Getenv("SHOUBAO_BIG_EXPORT") == "1" {
		size = 2 << 30
	}
	ctx := context.Background()
	// As `shoubao export` runs: under the configuration's memory_limit
	// (64MB by default).
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(64 << 20))
	b := bustest.Embedded(t)
	gen := func() io.Reader { return io.LimitReader(rand.NewChaCha8([32]byte{1}), size) }
	h := sha256.New()
	io.Copy(h, gen())
	sum := hex.EncodeToString(h.Sum(nil))
	if err := b.PutFile(ctx, sum, size, gen()); err != nil {
		t.Fatal(err)
	}
	c, _ := hostileCampaign()
	c.Units[1].Files = []File{{Origin: Origin{File: "宣传片.mp4", SHA256: sum, Arrival: fxNow}, Kind: "video", Size: size, Path: "甲县科技局/宣传片.mp4"}}
	out, err := os.Create(filepath.Join(t.TempDir(), "big.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	// The reference: the bucket read alone.
	runtime.GC()
	clearPeakRSS()
	var refPeak atomic.Uint64
	stop := sampleHeap(&refPeak)
	start := time.Now()
	rc, err := b.OpenFile(ctx, sum)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, rc); err != nil {
		t.Fatal(err)
	}
	rc.Close()
	stop()
	t.Logf("reference: reading it from the bucket alone: %s, peak heap %.1f MB, peak RSS %.1f MB",
		time.Since(start).Round(time.Millisecond), float64(refPeak.Load())/(1<<20), float64(peakRSS())/(1<<20))

	runtime.GC()
	clearPeakRSS()
	before := peakRSS()
	var peak atomic.Uint64
	stop = sampleHeap(&peak)
	start = time.Now()
	res, err := WriteZip(ctx, out, c, b, nil)
	stop()
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	t.Logf("%d MiB zipped in %s (%.0f MB/s); peak heap %.1f MB, process RSS %.1f MB before, peak %.1f MB",
		size>>20, took.Round(time.Millisecond), float64(size)/took.Seconds()/1e6, float64(peak.Load())/(1<<20),
		float64(before)/(1<<20), float64(peakRSS())/(1<<20))
	if res.Bytes != size {
		t.Fatalf("%d bytes written", res.Bytes)
	}
	// The embedded NATS server and its client share the heap (their
	// chunks are most of it): the zip may cost little more than reading
	// the file from the bucket alone, and nothing like the file's size.
	if !raceEnabled && (peak.Load() > refPeak.Load()+32<<20 || peak.Load() > 128<<20) {
		t.Errorf("peak heap %.1f MB while zipping a %d MiB file (reading it alone: %.1f MB)",
			float64(peak.Load())/(1<<20), size>>20, float64(refPeak.Load())/(1<<20))
	}
	// The zip holds the bytes.
	out.Seek(0, io.SeekStart)
	st, _ := out.Stat()
	zr, err := zip.NewReader(out, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == "甲县科技局/宣传片.mp4" {
			r, _ := f.Open()
			h := sha256.New()
			if _, err := io.Copy(h, r); err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(h.Sum(nil)) != sum || f.Method != zip.Store {
				t.Errorf("video in the zip: method %d, content differs: %v", f.Method, hex.EncodeToString(h.Sum(nil)) != sum)
			}
		}
	}
}
