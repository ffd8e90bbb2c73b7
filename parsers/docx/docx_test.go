package docx

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoubao/shoubao/parsers/finding"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden files")

// golden is what a fixture's golden file holds.
type golden struct {
	Document *Document         `json:"document"`
	Text     string            `json:"text"`
	Findings []finding.Finding `json:"findings"`
}

func TestReadGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.docx")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			doc, fl, err := ReadFile(context.Background(), file, Options{})
			if err != nil {
				t.Fatalf("ReadFile: %v", err)
			}
			got, err := json.MarshalIndent(golden{doc, doc.Text(), fl}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := strings.TrimSuffix(file, ".docx") + ".golden"
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden (run with -update to create): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (run with -update to accept):\n%s", path, got)
			}
		})
	}
}

// TestReadContent checks the facts the golden files encode, so that a bad
// -update cannot silently bless a regression.
func TestReadContent(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		file      string
		wantText  []string // lines that must appear in Text()
		wantCodes []string
		check     func(t *testing.T, d *Document)
	}{
		{
			file: "testdata/tables.docx",
			wantText: []string{
				"部门/地方（盖章）：高平市科技局",
				"科普活动开展次数\t12",
				"宣传报道情况\t参与媒体数量\t3",
				"\t宣传报道数量\t1,200",
				// LibreOffice's HTML import moves the nested table into the
				// row's first cell.
				"多行 单元格 嵌套甲 嵌套乙 \t\t无",
				"填表人：张三\n联系电话：0356-2688000",
			},
			wantCodes: []string{CodeNestedTable},
			check: func(t *testing.T, d *Document) {
				tbl := firstTable(t, d)
				if c := tbl.Rows[0][0]; c.GridSpan != 2 || c.Text != "科普活动开展次数" {
					t.Errorf("row 0 cell 0 = %+v, want span 2", c)
				}
				if c := tbl.Rows[1][0]; c.VMerge != "restart" {
					t.Errorf("row 1 cell 0 vmerge = %q, want restart", c.VMerge)
				}
				if c := tbl.Rows[2][0]; c.VMerge != "continue" {
					t.Errorf("row 2 cell 0 vmerge = %q, want continue", c.VMerge)
				}
				if c := tbl.Rows[3][0]; c.Text != "多行\n单元格\n嵌套甲\t嵌套乙\n" {
					t.Errorf("multi-line cell = %q", c.Text)
				}
				g := tbl.Grid()
				if len(g) != 4 || len(g[0]) != 3 || g[0][2] != "12" || g[2][0] != "" || g[2][1] != "宣传报道数量" {
					t.Errorf("grid = %q", g)
				}
			},
		},
		{
			file: "testdata/tabs.docx",
			wantText: []string{
				"序号\t活动名称\t推荐单位",
				"第一行\n第二行",
				"文本框内文字",
				"组\t甲 乙\t1 2",
				"\t跨两列",
			},
			check: func(t *testing.T, d *Document) {
				if n := strings.Count(d.Text(), "文本框内文字"); n != 1 {
					t.Errorf("text box text appears %d times, want 1 (fallback skipped)", n)
				}
				tbl := firstTable(t, d)
				if c := tbl.Rows[0][2]; c.Text != "1\n2" {
					t.Errorf("two-paragraph cell = %q", c.Text)
				}
				if c := tbl.Rows[1][1]; c.GridSpan != 2 {
					t.Errorf("spanning cell = %+v", c)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			doc, fl, err := ReadFile(ctx, tt.file, Options{})
			if err != nil {
				t.Fatal(err)
			}
			text := doc.Text()
			for _, w := range tt.wantText {
				if !strings.Contains(text, w) {
					t.Errorf("Text() lacks %q; got:\n%s", w, text)
				}
			}
			if got := codes(fl); strings.Join(got, ",") != strings.Join(tt.wantCodes, ",") {
				t.Errorf("findings = %v, want codes %v", fl, tt.wantCodes)
			}
			tt.check(t, doc)
		})
	}
}

func TestReadBadInput(t *testing.T) {
	fixture, err := os.ReadFile("testdata/tables.docx")
	if err != nil {
		t.Fatal(err)
	}
	deep := "<w:document xmlns:w=\"" + nsW + "\"><w:body>" + strings.Repeat("<w:sdt>", 50) + "<w:p><w:r><w:t>x</w:t></w:r></w:p>"
	tests := []struct {
		name     string
		data     []byte
		opts     Options
		wantCode string
		wantText string // must be contained in Text()
	}{
		{"not a zip", []byte("这不是 Word 文件"), Options{}, CodeUnreadable, ""},
		{"empty", nil, Options{}, CodeUnreadable, ""},
		{"zip without document", zipOf(t, map[string]string{"a.txt": "x"}), Options{}, CodeUnreadable, ""},
		{"truncated zip", fixture[:len(fixture)/2], Options{}, CodeUnreadable, ""},
		{"broken xml keeps prefix", zipOf(t, map[string]string{"word/document.xml": "<w:document xmlns:w=\"" + nsW + "\"><w:body><w:p><w:r><w:t>前文</w:t></w:r></w:p><w:p><w:r><w:t>未完"}), Options{}, CodeMalformed, "前文\n未完"},
		{"too many elements", fixture, Options{MaxElements: 40}, CodeTooManyElements, "附件 1"},
		{"too deep", zipOf(t, map[string]string{"word/document.xml": deep}), Options{MaxDepth: 20}, CodeTooDeep, ""},
		{"too large", fixture, Options{MaxBytes: 2500}, CodeTooLarge, "附件 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, fl, err := Read(context.Background(), bytes.NewReader(tt.data), int64(len(tt.data)), tt.opts)
			if err != nil {
				t.Fatalf("Read returned error for bad input: %v", err)
			}
			if doc == nil {
				t.Fatal("nil document")
			}
			if !finding.List(fl).Has(tt.wantCode) {
				t.Errorf("findings = %v, want %s", fl, tt.wantCode)
			}
			for _, f := range fl {
				if f.Message == "" || !strings.ContainsFunc(f.Message, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
					t.Errorf("finding %s has no Chinese message: %q", f.Code, f.Message)
				}
			}
			if !strings.Contains(doc.Text(), tt.wantText) {
				t.Errorf("Text() = %q, want it to contain %q", doc.Text(), tt.wantText)
			}
		})
	}
}

func TestReadCanceled(t *testing.T) {
	data, err := os.ReadFile("testdata/tables.docx")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Read(ctx, bytes.NewReader(data), int64(len(data)), Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

type failingReaderAt struct{}

func (failingReaderAt) ReadAt([]byte, int64) (int, error) { return 0, errors.New("disk on fire") }

func TestReadIOError(t *testing.T) {
	if _, _, err := Read(context.Background(), failingReaderAt{}, 1000, Options{}); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("err = %v, want the reader's error", err)
	}
}

func firstTable(t *testing.T, d *Document) *Table {
	t.Helper()
	for _, b := range d.Blocks {
		if b.Table != nil {
			return b.Table
		}
	}
	t.Fatal("no table in document")
	return nil
}

func codes(fl []finding.Finding) []string {
	var c []string
	for _, f := range fl {
		c = append(c, f.Code)
	}
	return c
}

// zipOf builds a zip archive in memory.
func zipOf(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
