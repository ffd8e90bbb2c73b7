package xlsx

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf8"

	"github.com/shoubao/shoubao/parsers/sheets/internal/xmlscan"
)

// fuzzLimits are small, so that the fuzzer reaches every limit.
var fuzzLimits = Limits{
	MaxColumns: 40, MaxRows: 200, MaxCells: 2000, MaxCellRunes: 50, MaxTextBytes: 4000,
	MaxSharedStrings: 100, MaxSharedStringBytes: 2000, MaxMerges: 20,
	MaxPartBytes: 1 << 20, MaxTotalBytes: 1 << 20,
}

// storedXLSX is a one-sheet workbook with the given sheet and shared
// strings parts, stored (not deflated) so that the fuzzer's bytes are the
// parts' bytes.
func storedXLSX(sheet, sst []byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range []struct {
		name string
		data []byte
	}{
		{"_rels/.rels", []byte(rootRels)},
		{"xl/workbook.xml", []byte(workbookOne)},
		{"xl/_rels/workbook.xml.rels", []byte(workbookRelsOne)},
		{"xl/worksheets/sheet1.xml", sheet},
		{"xl/sharedStrings.xml", sst},
	} {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Store})
		w.Write(p.data)
	}
	zw.Close()
	return buf.Bytes()
}

// FuzzXLSX reads a workbook whose sheet and shared strings parts are the
// fuzzer's: Read must not panic or hang, must keep every limit, must
// give valid UTF-8, and must give the same result whatever the sizes of
// its reads and of the scanner's buffer.
func FuzzXLSX(f *testing.F) {
	// Seeds: the workbooks of package sheets' testdata (fixtures, and the
	// small hostile files in testdata/hostile).
	seeds, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "*.xlsx"))
	more, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "hostile", "*.xlsx"))
	for _, file := range append(seeds, more...) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		// Small seeds only: the fuzzer minimises every new input it
		// keeps, for up to a minute each, in time proportional to its
		// size.
		if sheet, sst, ok := partsOf(data); ok && len(sheet)+len(sst) <= 6<<10 {
			f.Add(sheet, sst)
		}
	}
	for _, seed := range fuzzSeeds {
		f.Add([]byte(sheetHead+seed[0]+`</worksheet>`), []byte(sstHead+seed[1]+`</sst>`))
	}
	f.Add([]byte(sheetHead+`<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><r><t>a</t></r></is></c></row></sheetData><mergeCells><mergeCell ref="A1:B2"/></mergeCells></worksheet>`),
		[]byte(sstHead+`<si><t>x_x000D_</t><rPh><t>y</t></rPh></si></sst>`))
	f.Fuzz(func(t *testing.T, sheet, sst []byte) {
		if len(sheet)+len(sst) > 16<<10 {
			return
		}
		data := storedXLSX(sheet, sst)
		start := time.Now()
		wb, err := read(context.Background(), bytes.NewReader(data), int64(len(data)), fuzzLimits, xmlscan.BufSize, nil)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("took %v", d)
		}
		if err != nil {
			if wb != nil {
				t.Fatalf("workbook with error %v", err)
			}
		} else {
			checkWorkbook(t, wb, fuzzLimits)
		}
		// The same through one-byte reads (small inputs; reads of at most
		// 7 bytes for the others) and the smallest buffer.
		slow := iotest.OneByteReader
		if len(sheet)+len(sst) > 4<<10 {
			slow = func(r io.Reader) io.Reader { return &shortReader{r: r, n: 7} }
		}
		wb2, err2 := read(context.Background(), bytes.NewReader(data), int64(len(data)), fuzzLimits, 16, slow)
		if fmt.Sprint(err) != fmt.Sprint(err2) {
			t.Fatalf("errors differ: %v / %v", err, err2)
		}
		if err == nil {
			if d := sameSheets(wb2.Sheets, wb.Sheets); d != "" {
				t.Fatalf("one-byte reads differ: %s", d)
			}
			for i := range wb.Sheets {
				a, b := wb.Sheets[i], wb2.Sheets[i]
				if a.Stop != b.Stop || a.SkippedRows != b.SkippedRows || a.CutCells != b.CutCells || a.SkippedMerges != b.SkippedMerges {
					t.Fatalf("one-byte reads differ: %+v / %+v", a, b)
				}
			}
		}
	})
}

// checkWorkbook checks the limits on what Read returned.
func checkWorkbook(t *testing.T, wb *Workbook, lim Limits) {
	t.Helper()
	cells := 0
	for _, s := range wb.Sheets {
		if len(s.Rows) > lim.MaxRows {
			t.Fatalf("%d rows", len(s.Rows))
		}
		if len(s.Merges) > lim.MaxMerges {
			t.Fatalf("%d merges", len(s.Merges))
		}
		for _, row := range s.Rows {
			if len(row) > lim.MaxColumns {
				t.Fatalf("row of %d cells", len(row))
			}
			cells += len(row)
			for _, c := range row {
				if !utf8.ValidString(c) || utf8.RuneCountInString(c) > lim.MaxCellRunes {
					t.Fatalf("cell %q", c)
				}
			}
		}
		for _, m := range s.Merges {
			if m.FirstCol >= lim.MaxColumns || m.LastCol >= lim.MaxColumns || m.FirstRow < 0 || m.FirstCol < 0 {
				t.Fatalf("merge %+v", m)
			}
		}
	}
	if cells > lim.MaxCells {
		t.Fatalf("%d cells", cells)
	}
}

// partsOf returns the first sheet and the shared strings parts of a
// workbook; ok is false for a damaged one.
func partsOf(data []byte) (sheet, sst []byte, ok bool) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, nil, false
	}
	for _, f := range zr.File {
		if f.Name != "xl/worksheets/sheet1.xml" && f.Name != "xl/sharedStrings.xml" || f.UncompressedSize64 > 1<<18 {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, nil, false
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, nil, false
		}
		if f.Name == "xl/sharedStrings.xml" {
			sst = b
		} else {
			sheet = b
		}
	}
	return sheet, sst, sheet != nil
}

// shortReader returns at most n bytes per read.
type shortReader struct {
	r io.Reader
	n int
}

func (s *shortReader) Read(p []byte) (int, error) {
	return s.r.Read(p[:min(len(p), s.n)])
}

// fuzzSeeds are small sheets (sheetData and after) and shared string
// items with what the reader handles.
var fuzzSeeds = [][2]string{
	{`<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><r><t>a</t></r><rPh><t>p</t></rPh></is></c></row></sheetData><mergeCells><mergeCell ref="A1:B2"/></mergeCells>`,
		`<si><t>x_x000D_y</t><rPh sb="0" eb="1"><t>y</t></rPh></si><si><r><rPr/><t>富</t></r><r><t xml:space="preserve"> 文</t></r></si>`},
	{`<sheetData><row><c><v>1</v></c><c t="b"><v>1</v></c><c t="e"><v>#N/A</v></c><c t="str"><f>A1</f><v>s</v></c><c><f>B1</f></c></row><row r="40"><c r="AN40"><v>x</v></c><c r="AO40"><v>y</v></c></row></sheetData>`, ``},
	{`<sheetData><row r="2"><c r="C2" t="inlineStr"><is><t><![CDATA[a<b]]>&amp;&#x4E2D;` + "\r\n" + `</t></is></c><!-- c --><?p?></row><row r="300"/></sheetData>`, `<si><t/></si>`},
}
