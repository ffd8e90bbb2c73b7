package ods

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/shoubao/shoubao/parsers/sheets/internal/xlsx"
)

// odsOf wraps a content.xml body (inside office:spreadsheet) in a zip.
func odsOf(tb testing.TB, body string, extra map[string]string) []byte {
	tb.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	parts := map[string]string{
		"mimetype":    "application/vnd.oasis.opendocument.spreadsheet",
		"content.xml": contentXML(body),
	}
	for k, v := range extra {
		parts[k] = v
	}
	for _, name := range []string{"mimetype", "content.xml", "META-INF/manifest.xml"} {
		v, ok := parts[name]
		if !ok {
			continue
		}
		w, err := zw.Create(name)
		if err != nil {
			tb.Fatal(err)
		}
		w.Write([]byte(v))
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func contentXML(body string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0">` +
		`<office:automatic-styles><style:style style:name="ta1" style:family="table"><style:table-properties table:display="true"/></style:style><style:style style:name="ta2" style:family="table"><style:table-properties table:display="false"/></style:style></office:automatic-styles>` +
		`<office:body><office:spreadsheet>` + body + `</office:spreadsheet></office:body></office:document-content>`
}

func read(tb testing.TB, data []byte, lim xlsx.Limits) (*xlsx.Workbook, error) {
	tb.Helper()
	return Read(context.Background(), bytes.NewReader(data), int64(len(data)), lim)
}

func TestCells(t *testing.T) {
	body := `<table:table table:name="表一" table:style-name="ta1">` +
		`<table:table-column table:number-columns-repeated="16384"/>` +
		`<table:table-row><table:table-cell office:value-type="string"><text:p>附件 1</text:p></table:table-cell><table:table-cell table:number-columns-repeated="16383"/></table:table-row>` +
		`<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>` +
		`<table:table-row><table:table-cell office:value-type="string" table:number-columns-spanned="2" table:number-rows-spanned="2"><text:p>科普活动</text:p><text:p>群众<text:s text:c="3"/>参与<text:span>数量</text:span></text:p></table:table-cell><table:covered-table-cell/>` +
		`<table:table-cell office:value-type="float" office:value="1200"><text:p>1,200</text:p></table:table-cell>` +
		`<table:table-cell office:value-type="date" office:date-value="2026-05-25T00:00:00"><text:p>2026年5月25日</text:p></table:table-cell>` +
		`<table:table-cell table:formula="of:=SUM([.A1:.A2])"/>` +
		`<table:table-cell office:value-type="string"><text:p>a<text:tab/>b<text:line-break/>c</text:p><office:annotation><text:p>批注</text:p></office:annotation></table:table-cell></table:table-row>` +
		`<table:table-row-group><table:table-row table:number-rows-repeated="2"><table:covered-table-cell table:number-columns-repeated="2"/><table:table-cell office:value-type="string" table:number-columns-repeated="2"><text:p>x</text:p></table:table-cell></table:table-row></table:table-row-group>` +
		`<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>` +
		`</table:table>` +
		`<table:table table:name="隐藏" table:style-name="ta2"><table:table-row><table:table-cell office:value-type="float" office:value="1"/></table:table-row></table:table>`
	wb, err := read(t, odsOf(t, body, nil), xlsx.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(wb.Sheets) != 2 || wb.Sheets[0].Name != "表一" || wb.Sheets[0].Hidden || !wb.Sheets[1].Hidden {
		t.Fatalf("sheets %+v", wb.Sheets)
	}
	sh := wb.Sheets[0]
	want := [][]string{
		{"附件 1"},
		nil,
		nil,
		{"科普活动\n群众   参与数量", "", "1200", "2026-05-25", "", "a\tb\nc"},
		{"", "", "x", "x"},
		{"", "", "x", "x"},
	}
	if len(sh.Rows) != len(want) {
		t.Fatalf("rows %q", sh.Rows)
	}
	for i := range want {
		if strings.Join(sh.Rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d = %q, want %q", i, sh.Rows[i], want[i])
		}
	}
	if len(sh.Merges) != 1 || sh.Merges[0] != (xlsx.Range{FirstRow: 3, LastRow: 4, FirstCol: 0, LastCol: 1}) {
		t.Errorf("merges %+v", sh.Merges)
	}
	if len(sh.Uncached) != 1 || sh.Uncached[0].Row != 3 || sh.Uncached[0].Col != 4 || sh.Uncached[0].Text != "of:=SUM([.A1:.A2])" {
		t.Errorf("uncached %+v", sh.Uncached)
	}
}

func TestRepeatsBounded(t *testing.T) {
	// a filled cell repeated past every column, in a row repeated past
	// every row
	body := `<table:table table:name="s"><table:table-row table:number-rows-repeated="1048576"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="1048576"/></table:table-row></table:table>`
	start := time.Now()
	wb, err := read(t, odsOf(t, body, nil), xlsx.Limits{MaxCells: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	sh := wb.Sheets[0]
	if sh.Stop != xlsx.StopCells || sh.SkippedRows == 0 || len(sh.Rows) > 100_000/1024 {
		t.Errorf("stop %v, skipped %d, %d rows", sh.Stop, sh.SkippedRows, len(sh.Rows))
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v", d)
	}
	// rows past MaxRows
	body = `<table:table table:name="s"><table:table-row table:number-rows-repeated="1048576"><table:table-cell office:value-type="float" office:value="1"/></table:table-row></table:table>`
	wb, err = read(t, odsOf(t, body, nil), xlsx.Limits{MaxRows: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if sh := wb.Sheets[0]; sh.Stop != xlsx.StopRows || len(sh.Rows) != 1000 {
		t.Errorf("stop %v, %d rows", sh.Stop, len(sh.Rows))
	}
}

func TestRefused(t *testing.T) {
	enc := odsOf(t, `<table:table/>`, map[string]string{"META-INF/manifest.xml": `<manifest:manifest><manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data/></manifest:file-entry></manifest:manifest>`})
	if _, err := read(t, enc, xlsx.Limits{}); !errors.Is(err, ErrEncrypted) {
		t.Errorf("encrypted: %v", err)
	}
	text := odsOf(t, ``, map[string]string{"mimetype": "application/vnd.oasis.opendocument.text"})
	if _, err := read(t, text, xlsx.Limits{}); !errors.Is(err, ErrNotSpreadsheet) {
		t.Errorf("odt: %v", err)
	}
	big := odsOf(t, `<table:table table:name="s"><table:table-row><table:table-cell office:value-type="string"><text:p>`+strings.Repeat("科", 100_000)+`</text:p></table:table-cell></table:table-row></table:table>`, nil)
	var le *xlsx.LimitError
	if _, err := read(t, big, xlsx.Limits{MaxPartBytes: 100_000}); !errors.As(err, &le) {
		t.Errorf("large: %v", err)
	}
	if _, err := read(t, []byte("PK\x03\x04 not a zip"), xlsx.Limits{}); err == nil {
		t.Error("not a zip: no error")
	}
}

// fuzzLimits are small, so that the fuzzer reaches them.
var fuzzLimits = xlsx.Limits{MaxColumns: 64, MaxRows: 200, MaxCells: 5000, MaxCellRunes: 300, MaxTextBytes: 20_000, MaxMerges: 50, MaxParts: 20}

// FuzzODS reads arbitrary content.xml in a zip: never a panic, the limits
// always hold, and the text is valid UTF-8.
func FuzzODS(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.xml"))
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(contentXML(`<table:table table:name="a"><table:table-row table:number-rows-repeated="99"><table:table-cell office:value-type="string" table:number-columns-repeated="99" table:number-columns-spanned="3"><text:p>x<text:s text:c="999"/></text:p></table:table-cell></table:table-row></table:table>`)))
	f.Fuzz(func(t *testing.T, content []byte) {
		if len(content) > 1<<20 {
			return
		}
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: "content.xml", Method: zip.Store})
		w.Write(content)
		zw.Close()
		data := b.Bytes()
		start := time.Now()
		wb, err := Read(context.Background(), bytes.NewReader(data), int64(len(data)), fuzzLimits)
		if time.Since(start) > 2*time.Second {
			t.Fatalf("took %v", time.Since(start))
		}
		if err != nil {
			return
		}
		lim := fuzzLimits.WithDefaults()
		if len(wb.Sheets) > lim.MaxParts {
			t.Fatalf("%d sheets", len(wb.Sheets))
		}
		cells := 0
		for _, sh := range wb.Sheets {
			if len(sh.Rows) > lim.MaxRows || len(sh.Merges) > lim.MaxMerges || len(sh.Uncached) > xlsx.MaxUncached {
				t.Fatalf("%d rows, %d merges", len(sh.Rows), len(sh.Merges))
			}
			for _, r := range sh.Rows {
				cells += len(r)
				if len(r) > lim.MaxColumns {
					t.Fatalf("row of %d cells", len(r))
				}
				for _, c := range r {
					if !utf8.ValidString(c) || utf8.RuneCountInString(c) > lim.MaxCellRunes {
						t.Fatalf("cell %q", c)
					}
				}
			}
		}
		if cells > lim.MaxCells {
			t.Fatalf("%d cells", cells)
		}
	})
}
