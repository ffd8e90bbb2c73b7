package csvfile

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"github.com/shoubao/shoubao/parsers/sheets/internal/xlsx"
)

func read(tb testing.TB, data []byte, lim xlsx.Limits) (*xlsx.Sheet, Info) {
	tb.Helper()
	wb, info, err := Read(context.Background(), bytes.NewReader(data), int64(len(data)), "t", lim)
	if err != nil {
		tb.Fatal(err)
	}
	return wb.Sheets[0], info
}

const list = "序号,活动名称,活动内容简介,联系电话\r\n1,科普进校园,\"讲座，\"\"实验\"\"\r\n和展览\",13835675002\r\n\r\n2,科普大篷车,,0356-2633228\r\n"

var listRows = [][]string{
	{"序号", "活动名称", "活动内容简介", "联系电话"},
	{"1", "科普进校园", "讲座，\"实验\"\r\n和展览", "13835675002"},
	nil,
	{"2", "科普大篷车", "", "0356-2633228"},
}

func same(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.Join(a[i], "\x00") != strings.Join(b[i], "\x00") || len(a[i]) != len(b[i]) {
			return false
		}
	}
	return true
}

func TestEncodings(t *testing.T) {
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String(list)
	u16, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(strings.ReplaceAll(list, ",", "\t"))
	for _, tc := range []struct {
		name  string
		data  string
		enc   string
		bom   bool
		delim byte
	}{
		{"utf8", list, UTF8, false, ','},
		{"utf8 bom", "\xEF\xBB\xBF" + list, UTF8, true, ','},
		{"gbk", gbk, GB18030, false, ','},
		{"tab", strings.ReplaceAll(list, ",", "\t"), UTF8, false, '\t'},
		{"utf16 tab", u16, UTF16LE, true, '\t'},
		{"semicolon", strings.ReplaceAll(list, ",", ";"), UTF8, false, ';'},
	} {
		sh, info := read(t, []byte(tc.data), xlsx.Limits{})
		if info.Encoding != tc.enc || info.BOM != tc.bom || info.Delimiter != tc.delim {
			t.Errorf("%s: info %+v", tc.name, info)
		}
		if !same(sh.Rows, listRows) {
			t.Errorf("%s: rows %q", tc.name, sh.Rows)
		}
	}
}

func TestLimits(t *testing.T) {
	wide := strings.Repeat("1,", 5000) + "\n"
	sh, _ := read(t, []byte(strings.Repeat(wide, 10)), xlsx.Limits{MaxColumns: 100})
	if sh.SkippedRows != 10 || len(sh.Rows[0]) != 100 {
		t.Errorf("skipped %d, width %d", sh.SkippedRows, len(sh.Rows[0]))
	}
	sh, _ = read(t, []byte(strings.Repeat("a,b\n", 1000)), xlsx.Limits{MaxRows: 10})
	if sh.Stop != xlsx.StopRows || len(sh.Rows) != 10 {
		t.Errorf("stop %v, %d rows", sh.Stop, len(sh.Rows))
	}
	sh, _ = read(t, []byte("\""+strings.Repeat("科", 100_000)), xlsx.Limits{MaxCellRunes: 1000})
	if sh.CutCells != 1 || utf8.RuneCountInString(sh.Rows[0][0]) != 1000 {
		t.Errorf("cut %d, %d runes", sh.CutCells, utf8.RuneCountInString(sh.Rows[0][0]))
	}
	if _, _, err := Read(context.Background(), strings.NewReader("a,b\x00c"), 5, "t", xlsx.Limits{}); err != ErrBinary {
		t.Errorf("binary: %v", err)
	}
}

// TestLikeEncodingCSV: on well-formed input the fields are those of
// encoding/csv (which turns "\r\n" inside quotes into "\n").
func TestLikeEncodingCSV(t *testing.T) {
	r := csv.NewReader(strings.NewReader(list))
	r.FieldsPerRecord = -1
	want, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	sh, _ := read(t, []byte(list), xlsx.Limits{})
	var got [][]string
	for _, row := range sh.Rows {
		if row == nil {
			continue
		}
		out := make([]string, len(row))
		for i, c := range row {
			out[i] = strings.ReplaceAll(c, "\r\n", "\n")
		}
		got = append(got, out)
	}
	if !same(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

var fuzzLimits = xlsx.Limits{MaxColumns: 64, MaxRows: 200, MaxCells: 5000, MaxCellRunes: 300, MaxTextBytes: 20_000}

// FuzzCSV reads arbitrary bytes: never a panic, the limits hold, the text
// is valid UTF-8, and the same bytes read alike through a one-byte reader
// boundary (encoding detection over blocks).
func FuzzCSV(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.csv"))
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(list))
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String(list)
	f.Add([]byte(gbk))
	f.Add([]byte("\xFF\xFEa\x00\t\x00b\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		start := time.Now()
		wb, _, err := Read(context.Background(), bytes.NewReader(data), int64(len(data)), "t", fuzzLimits)
		if time.Since(start) > 2*time.Second {
			t.Fatalf("took %v", time.Since(start))
		}
		if err != nil {
			if err != ErrBinary {
				t.Fatal(err)
			}
			return
		}
		lim := fuzzLimits.WithDefaults()
		sh := wb.Sheets[0]
		cells, text := 0, 0
		if len(sh.Rows) > lim.MaxRows {
			t.Fatalf("%d rows", len(sh.Rows))
		}
		for _, r := range sh.Rows {
			cells += len(r)
			if len(r) > lim.MaxColumns {
				t.Fatalf("row of %d cells", len(r))
			}
			for _, c := range r {
				text += len(c)
				if !utf8.ValidString(c) || utf8.RuneCountInString(c) > lim.MaxCellRunes {
					t.Fatalf("cell %q", c)
				}
			}
		}
		if cells > lim.MaxCells || int64(text) > lim.MaxTextBytes {
			t.Fatalf("%d cells, %d bytes", cells, text)
		}
	})
}
