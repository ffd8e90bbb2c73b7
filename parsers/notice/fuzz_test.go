package notice

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParse feeds arbitrary text (and arbitrary bytes through DecodeText)
// to the extractor: it must not panic or hang, and what it reports must
// hold together. The seeds are the fixtures cut at line ends into pieces of
// about 2 KB: whole 24 KB notices make each execution slow under coverage
// instrumentation and the fuzzer crawl (golang/go#51484 shows the symptom).
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.txt")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for len(b) > 0 {
			n := min(len(b), 2048)
			if i := bytes.LastIndexByte(b[:n], '\n'); i > 0 && n < len(b) {
				n = i + 1
			}
			f.Add(b[:n])
			b = b[n:]
		}
	}
	f.Add([]byte("请于6月8日（星期一）17:00前将《统计表》、总结、照片和视频（视频时长不超过3分30秒）分别报送至a@163.com、b@qq.com。\n\n二〇二六年五月二十日"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 16<<10 {
			return
		}
		text, _ := DecodeText(b)
		if !utf8.ValidString(text) {
			t.Fatalf("DecodeText returned invalid UTF-8")
		}
		start := time.Now()
		n, _ := Parse(text)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("Parse took %v on %d bytes", d, len(b))
		}
		if (n.Deadline == nil) != slices.Contains(n.Missing, MissingDeadline) {
			t.Fatalf("deadline %+v but missing %v", n.Deadline, n.Missing)
		}
		if n.Deadline != nil && (n.Deadline.Source.Text == "" || n.Deadline.End.IsZero()) {
			t.Fatalf("deadline without source or end: %+v", n.Deadline)
		}
		for _, m := range n.Mailboxes {
			if !strings.Contains(m.Address, "@") || m.Source.Text == "" {
				t.Fatalf("bad mailbox %+v", m)
			}
		}
		if n.VideoLimit != nil && n.VideoLimit.Seconds <= 0 {
			t.Fatalf("video limit %+v", n.VideoLimit)
		}
	})
}

// FuzzPDFTables feeds arbitrary pdftotext -tsv output to the table
// rebuilder: no panic, no hang, and rows always as wide as their header.
func FuzzPDFTables(f *testing.F) {
	f.Add("level\tpage_num\tpar_num\tblock_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n" +
		"5\t1\t0\t0\t0\t0\t58\t53\t15\t15.6\t100\t序号\n" +
		"5\t1\t0\t0\t0\t0\t164\t53\t29\t15.6\t100\t举办单位\n" +
		"5\t1\t0\t0\t0\t0\t244\t53\t29\t15.6\t100\t推荐单位\n" +
		"5\t1\t0\t0\t0\t0\t58\t71\t8\t15.6\t100\t1\n" +
		"5\t1\t0\t0\t0\t0\t164\t71\t43\t15.6\t100\t太原理工大学\n" +
		"5\t1\t0\t0\t0\t0\t244\t71\t58\t15.6\t100\t太原市科学技术局\n")
	if bin, err := exec.LookPath("pdftotext"); err == nil {
		pdfs, _ := filepath.Glob("testdata/*.pdf")
		for _, p := range pdfs {
			out, err := exec.Command(bin, "-tsv", "-l", "4", p, "-").Output()
			if err == nil && len(out) < 256<<10 {
				f.Add(string(out))
			}
		}
	}
	f.Fuzz(func(t *testing.T, tsv string) {
		if len(tsv) > 256<<10 {
			return
		}
		start := time.Now()
		for _, table := range pdfTables(parseTSV(tsv)) {
			for _, r := range table {
				if len(r.cells) != len(table[0].cells) || len(r.srcs) != len(r.cells) {
					t.Fatalf("row %q under header %q", r.cells, table[0].cells)
				}
			}
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("took %v", d)
		}
	})
}
