package xlsx

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestFixturesMatchExcelize: every .xlsx fixture of package sheets reads
// as excelize read it.
func TestFixturesMatchExcelize(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "*.xlsx"))
	n := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
			continue
		}
		if _, err := zip.NewReader(bytes.NewReader(data), int64(len(data))); err != nil {
			continue // damaged on purpose
		}
		n++
		t.Run(filepath.Base(file), func(t *testing.T) {
			want, err := viaExcelize(data)
			if err != nil {
				t.Fatal(err)
			}
			wb, err := readBytes(data, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if d := sameSheets(wb.Sheets, want); d != "" {
				t.Error(d)
			}
		})
	}
	if n < 5 {
		t.Fatalf("only %d fixtures", n)
	}
}

// TestCellsMatchExcelize: cell types, positions and strings read as
// excelize's raw values.
func TestCellsMatchExcelize(t *testing.T) {
	tests := []struct {
		name, body, sst string
	}{
		{"shared strings", `<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c><c r="D1" t="s"><v>2</v></c></row></sheetData>`,
			`<si><t>单位</t></si><si><r><rPr><b/></rPr><t>富</t></r><r><t xml:space="preserve"> 文本</t></r></si><si><t>高平</t><rPh sb="0" eb="2"><t>ガオ</t></rPh><phoneticPr fontId="1"/></si>`},
		{"shared string index out of range", `<sheetData><row r="1"><c r="A1" t="s"><v>7</v></c><c r="B1"><v>1</v></c></row></sheetData>`, `<si><t>x</t></si>`},
		{"inline strings", `<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>行内</t></is></c><c r="B1" t="inlineStr"><is><r><t>a</t></r><r><t>b</t></r></is></c><c r="C1" t="inlineStr"><v>v</v></c></row></sheetData>`, ""},
		{"numbers raw", `<sheetData><row r="1"><c r="A1"><v>1.0E-3</v></c><c r="B1" t="n"><v>12</v></c><c r="C1" s="3"><v>45437</v></c><c r="D1"><v>0.30000000000000004</v></c><c r="E1"><v>13835675002</v></c></row></sheetData>`, ""},
		{"bool error str date", `<sheetData><row r="1"><c r="A1" t="b"><v>1</v></c><c r="B1" t="e"><v>#DIV/0!</v></c><c r="C1" t="str"><f>A1&amp;"x"</f><v>1x</v></c><c r="D1" t="d"><v>2026-05-25T00:00:00Z</v></c></row></sheetData>`, ""},
		{"formula without cached value pads", `<sheetData><row r="1"><c r="A1"><v>1</v></c><c r="C1"><f>A1*2</f></c></row><row r="2"><c r="B2"><f>A1</f><v></v></c></row></sheetData>`, ""},
		{"empty and styled cells", `<sheetData><row r="1"><c r="A1" s="1"/><c r="B1" t="s"/><c r="C1"><v></v></c><c r="D1"><v>x</v></c><c r="E1" s="2"/></row></sheetData>`, ""},
		{"no r attributes", `<sheetData><row><c><v>1</v></c><c><v>2</v></c><c r="E1"><v>5</v></c><c><v>6</v></c></row><row><c t="inlineStr"><is><t>x</t></is></c></row></sheetData>`, ""},
		{"row gaps", `<sheetData><row r="2"><c r="A2"><v>2</v></c></row><row r="5"><c r="B5"><v>5</v></c></row><row><c r="A6"><v>x</v></c></row><row r="9"/></sheetData>`, ""},
		{"escapes", `<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>a_x000D_b_x005F_x000D_c_xD800_d</t></is></c><c r="B1" t="s"><v>0</v></c><c r="C1" t="str"><v>_x000D_ kept</v></c><c r="D1" t="inlineStr"><is><t>&lt;&amp;&gt;&#20013;&#x56FD;&quot;&apos;</t></is></c></row></sheetData>`,
			`<si><t>line1_x000A_line2</t></si>`},
		{"line ends and CDATA", "<sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>a\r\nb\rc</t></is></c><c r=\"B1\" t=\"inlineStr\"><is><t><![CDATA[<x>&amp;]]></t></is></c></row></sheetData>", ""},
		{"merges", `<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData><mergeCells count="3"><mergeCell ref="A1:B2"/><mergeCell ref="$C$3:$D$9"/><mergeCell ref="E1:E1"/></mergeCells>`, ""},
		{"prefixed names", `<x:sheetData xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:row r="1"><x:c r="B1" t="inlineStr"><x:is><x:t>p</x:t></x:is></x:c></x:row></x:sheetData>`, ""},
		{"comments and PIs", `<!-- c --><sheetData><?pi x?><row r="1"><!-- <c r="A1"><v>no</v></c> --><c r="A1"><v>yes</v></c></row></sheetData>`, ""},
		{"whitespace values kept", `<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve">  两端  </t></is></c><c r="B1"><v> 3 </v></c></row></sheetData>`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := oneSheet(t, tt.body, tt.sst)
			want, err := viaExcelize(data)
			if err != nil {
				t.Fatal(err)
			}
			wb, err := readBytes(data, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if d := sameSheets(wb.Sheets, want); d != "" {
				t.Error(d)
			}
		})
	}
}

// TestWorkbookParts: sheet order and state, absolute and relative
// targets, a missing sheet part, a workbook outside xl/.
// TestRowsOutOfOrder: a row numbered at or before the previous one is
// taken as the next row. (excelize merged it into the row before.)
func TestRowsOutOfOrder(t *testing.T) {
	wb, err := readBytes(oneSheet(t, `<sheetData><row r="5"><c r="A5"><v>5</v></c></row><row r="3"><c r="B3"><v>3</v></c></row><row r="0"><c><v>0</v></c></row></sheetData>`, ""), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	rows := wb.Sheets[0].Rows
	if len(rows) != 7 || rows[4][0] != "5" || rows[5][1] != "3" || rows[6][0] != "0" {
		t.Errorf("rows %q", rows)
	}
}

func TestWorkbookParts(t *testing.T) {
	wbXML := `<?xml version="1.0"?><workbook xmlns:r="r"><sheets>` +
		`<sheet name="甲" sheetId="1" r:id="rId1"/>` +
		`<sheet name="乙&amp;丙" sheetId="2" state="hidden" r:id="rId2"/>` +
		`<sheet name="丁" sheetId="3" state="veryHidden" r:id="rId3"/>` +
		`<sheet name="缺" sheetId="4" r:id="rId9"/>` +
		`<sheet name="戊" sheetId="5" state="visible" r:id="rId4"/></sheets></workbook>`
	rels := `<Relationships>` +
		`<Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/>` +
		`<Relationship Id="rId2" Type="x/worksheet" Target="/book/worksheets/s2.xml"/>` +
		`<Relationship Id="rId3" Type="x/worksheet" Target="../book/./worksheets/s3.xml"/>` +
		`<Relationship Id="rId4" Type="x/worksheet" Target="worksheets/S4.XML"/>` +
		`<Relationship Id="rId5" Type="x/sharedStrings" Target="strings.xml"/>` +
		`<Relationship Id="rId6" Type="x/hyperlink" Target="http://example.com" TargetMode="External"/></Relationships>`
	sheet := func(v string) string {
		return `<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>` + v + `</t></is></c></row></sheetData></worksheet>`
	}
	data := buildXLSX(t, map[string]string{
		"_rels/.rels":                `<Relationships><Relationship Id="rId1" Type="http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument" Target="/book/wb.xml"/></Relationships>`,
		"book/wb.xml":                wbXML,
		"book/_rels/wb.xml.rels":     rels,
		"book/worksheets/sheet1.xml": sheet("1"),
		"book/worksheets/s2.xml":     sheet("2"),
		"book/worksheets/s3.xml":     sheet("3"),
		"book/worksheets/s4.xml":     sheet("4"),
		"book/strings.xml":           `<sst><si><t>共享</t></si></sst>`,
	})
	wb, err := readBytes(data, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		name            string
		hidden, missing bool
		b1              string
	}
	wants := []want{{"甲", false, false, "1"}, {"乙&丙", true, false, "2"}, {"丁", true, false, "3"}, {"缺", false, true, ""}, {"戊", false, false, "4"}}
	if len(wb.Sheets) != len(wants) {
		t.Fatalf("%d sheets", len(wb.Sheets))
	}
	for i, w := range wants {
		s := wb.Sheets[i]
		if s.Name != w.name || s.Hidden != w.hidden || s.Missing != w.missing {
			t.Errorf("sheet %d = %q hidden %v missing %v, want %+v", i, s.Name, s.Hidden, s.Missing, w)
		}
		if !w.missing && (len(s.Rows) != 1 || len(s.Rows[0]) != 2 || s.Rows[0][0] != "共享" || s.Rows[0][1] != w.b1) {
			t.Errorf("sheet %q rows %q", s.Name, s.Rows)
		}
	}
}

func TestLimits(t *testing.T) {
	row := func(r int, cells string) string { return `<row r="` + strconv.Itoa(r) + `">` + cells + `</row>` }
	tests := []struct {
		name  string
		body  string
		sst   string
		lim   Limits
		check func(t *testing.T, s *Sheet)
	}{
		{"columns past the limit skipped", `<sheetData>` + row(1, `<c r="A1"><v>1</v></c><c r="XFD1"><v>2</v></c><c><v>3</v></c>`) + row(2, `<c r="AMJ2"><v>4</v></c><c r="AMK2"><v>5</v></c><c r="AML2" s="1"/>`) + row(3, `<c r="AMK3" s="1"/><c r="A3"><v>1</v></c><c><v>2</v></c>`) + `</sheetData>`, "", Limits{},
			func(t *testing.T, s *Sheet) {
				if s.SkippedRows != 2 || s.SkippedAt != "XFD1" || len(s.Rows[0]) != 1 || len(s.Rows[1]) != 1024 || s.Rows[1][1023] != "4" || len(s.Rows[2]) != 2 {
					t.Errorf("skipped %d at %s, rows %d %d", s.SkippedRows, s.SkippedAt, len(s.Rows[0]), len(s.Rows[1]))
				}
			}},
		{"row past MaxRows stops, merges still read", `<sheetData>` + row(1, `<c r="A1"><v>1</v></c>`) + row(3, `<c r="A3"><v>3</v></c>`) + row(4, `<c r="A4"><v>4</v></c>`) + `</sheetData><mergeCells><mergeCell ref="A1:B1"/></mergeCells>`, "", Limits{MaxRows: 3},
			func(t *testing.T, s *Sheet) {
				if s.Stop != StopRows || len(s.Rows) != 3 || len(s.Merges) != 1 {
					t.Errorf("stop %v rows %d merges %v", s.Stop, len(s.Rows), s.Merges)
				}
			}},
		{"padded cell budget", `<sheetData>` + row(1, `<c r="A1"><v>1</v></c>`) + row(2, `<c r="J2"><v>1</v></c>`) + row(3, `<c r="A3"><v>1</v></c>`) + `</sheetData>`, "", Limits{MaxCells: 10},
			func(t *testing.T, s *Sheet) {
				if s.Stop != StopCells || len(s.Rows) != 1 {
					t.Errorf("stop %v rows %q", s.Stop, s.Rows)
				}
			}},
		{"text budget", `<sheetData>` + row(1, `<c t="inlineStr"><is><t>12345</t></is></c>`) + row(2, `<c t="inlineStr"><is><t>123456</t></is></c>`) + `</sheetData>`, "", Limits{MaxTextBytes: 10},
			func(t *testing.T, s *Sheet) {
				if s.Stop != StopText || len(s.Rows) != 1 {
					t.Errorf("stop %v rows %q", s.Stop, s.Rows)
				}
			}},
		{"long cell cut", `<sheetData>` + row(1, `<c t="inlineStr"><is><t>`+strings.Repeat("长", 100)+`</t></is></c><c t="inlineStr"><is><t>`+strings.Repeat("_x0041_", 10)+`</t></is></c>`) + `</sheetData>`, "", Limits{MaxCellRunes: 10},
			func(t *testing.T, s *Sheet) {
				if s.CutCells != 1 || s.Rows[0][0] != strings.Repeat("长", 10) || s.Rows[0][1] != strings.Repeat("A", 10) {
					t.Errorf("cut %d rows %q", s.CutCells, s.Rows)
				}
			}},
		{"merges past the limit", `<sheetData/><mergeCells><mergeCell ref="A1:B1"/><mergeCell ref="A2:B2"/><mergeCell ref="A3:B3"/><mergeCell ref="XFA1:XFD2"/></mergeCells>`, "", Limits{MaxMerges: 2},
			func(t *testing.T, s *Sheet) {
				if len(s.Merges) != 2 || s.SkippedMerges != 2 {
					t.Errorf("merges %v skipped %d", s.Merges, s.SkippedMerges)
				}
			}},
		{"damaged XML keeps what was read", `<sheetData>` + row(1, `<c r="A1"><v>1</v></c>`) + `<row r="2"><c r="A2"><v>2</v></c><c r="B2"><v>3</v></x></row></sheetData>`, "", Limits{},
			func(t *testing.T, s *Sheet) {
				if s.Stop != StopDamaged || s.Err == nil || len(s.Rows) != 2 || len(s.Rows[1]) != 1 {
					t.Errorf("stop %v err %v rows %q", s.Stop, s.Err, s.Rows)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wb, err := readBytes(oneSheet(t, tt.body, tt.sst), tt.lim)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, wb.Sheets[0])
		})
	}
}

func TestRefused(t *testing.T) {
	sheet := `<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>`
	tests := []struct {
		name string
		data []byte
		lim  Limits
		want error
		what string
	}{
		{"shared string count", oneSheet(t, sheet, strings.Repeat(`<si><t>x</t></si>`, 11)), Limits{MaxSharedStrings: 10}, ErrSharedStrings, "count"},
		{"shared string bytes", oneSheet(t, sheet, strings.Repeat(`<si><t>xxxxx</t></si>`, 3)), Limits{MaxSharedStringBytes: 12}, ErrSharedStrings, "bytes"},
		{"part bytes", oneSheet(t, sheet+strings.Repeat(" ", 5000), ""), Limits{MaxPartBytes: 4000}, ErrTooLarge, "part"},
		{"total bytes", oneSheet(t, sheet+strings.Repeat(" ", 5000), ""), Limits{MaxTotalBytes: 4000}, ErrTooLarge, "total"},
		{"ratio", oneSheet(t, sheet+strings.Repeat(" ", RatioFloor+1), ""), Limits{}, ErrRatio, "ratio"},
		{"no workbook", buildXLSX(t, map[string]string{"xl/styles.xml": "<x/>"}), Limits{}, ErrNoWorkbook, ""},
		{"no sheets", buildXLSX(t, map[string]string{"xl/workbook.xml": "<workbook><sheets/></workbook>"}), Limits{}, ErrNoWorkbook, ""},
		{"xlsb", buildXLSX(t, map[string]string{"_rels/.rels": `<Relationships><Relationship Id="r" Type="x/officeDocument" Target="xl/workbook.bin"/></Relationships>`, "xl/workbook.bin": "\x83\x01\x00\x80\x01"}), Limits{}, ErrNoWorkbook, ""},
		{"damaged workbook", buildXLSX(t, map[string]string{"xl/workbook.xml": "<workbook><sheets><sheet name='a' r:id='1'></workbook>"}), Limits{}, ErrMalformed, ""},
		{"too many parts", buildXLSX(t, map[string]string{"a": "", "b": "", "c": ""}), Limits{MaxParts: 2}, ErrTooManyParts, ""},
		{"not a zip", []byte("PK\x03\x04 not really"), Limits{}, zip.ErrFormat, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readBytes(tt.data, tt.lim)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var le *LimitError
			if tt.what != "" && (!errors.As(err, &le) || le.What != tt.what) {
				t.Errorf("err = %#v, want what %q", err, tt.what)
			}
		})
	}
}

// TestTotalCountsAsItGoes: a part that lies about its size is stopped by
// the counting reader (archive/zip also refuses to read past the declared
// size).
func TestTotalCountsAsItGoes(t *testing.T) {
	data := oneSheet(t, `<sheetData>`+strings.Repeat(`<row><c><v>1</v></c></row>`, 500)+`</sheetData>`, "")
	lim := Limits{MaxTotalBytes: 1 << 20}.WithDefaults()
	zr, _ := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	rd := &reader{ctx: context.Background(), lim: lim, totalLeft: 100, files: map[string]*zip.File{}}
	for _, f := range zr.File {
		if f.Name == "xl/worksheets/sheet1.xml" {
			f.UncompressedSize64 = 10 // a lie: the check passes
			rc, err := rd.open(f, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			_, err = io.ReadAll(rc)
			if !errors.Is(err, ErrTooLarge) && !errors.Is(err, zip.ErrFormat) {
				t.Errorf("err = %v", err)
			}
		}
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	data := oneSheet(t, `<sheetData>`+strings.Repeat(`<row><c><v>1</v></c></row>`, 5000)+`</sheetData>`, "")
	wb, err := Read(ctx, bytes.NewReader(data), int64(len(data)), Limits{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if wb == nil {
		t.Fatal("nil workbook")
	}
}

func TestColumnName(t *testing.T) {
	for col, want := range map[int]string{0: "A", 25: "Z", 26: "AA", 1023: "AMJ", 16383: "XFD"} {
		if got := ColumnName(col); got != want {
			t.Errorf("ColumnName(%d) = %s, want %s", col, got, want)
		}
		if c, ok := parseCol([]byte(want + "12")); !ok || c != col {
			t.Errorf("parseCol(%s12) = %d", want, c)
		}
	}
}

// TestManySheets: thousands of sheets naming one part are each read (and
// counted against the byte budget), with one scanner buffer.
func TestManySheets(t *testing.T) {
	var wbXML, rels strings.Builder
	wbXML.WriteString(`<workbook><sheets>`)
	rels.WriteString(`<Relationships>`)
	for i := range 3000 {
		fmt.Fprintf(&wbXML, `<sheet name="s%d" sheetId="%d" r:id="rId%d"/>`, i, i+1, i)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Target="worksheets/sheet1.xml"/>`, i)
	}
	wbXML.WriteString(`</sheets></workbook>`)
	rels.WriteString(`</Relationships>`)
	data := buildXLSX(t, map[string]string{
		"xl/workbook.xml":            wbXML.String(),
		"xl/_rels/workbook.xml.rels": rels.String(),
		"xl/worksheets/sheet1.xml":   `<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>` + strings.Repeat(" ", 10000) + `</worksheet>`,
	})
	start := time.Now()
	wb, err := readBytes(data, Limits{})
	if err != nil || len(wb.Sheets) != 3000 || wb.Sheets[2999].Rows[0][0] != "1" {
		t.Fatalf("err %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	if _, err := readBytes(data, Limits{MaxTotalBytes: 10 << 20}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("err = %v, want ErrTooLarge", err)
	}
}

// TestUncached: a formula saved without its result is listed; one whose
// result is an empty string (an empty <v>) is not.
func TestUncached(t *testing.T) {
	data := oneSheet(t, `<sheetData><row r="1"><c r="A1"><f>SUM(B1:B2)</f></c><c r="B1" t="str"><f>IF(C1="","",C1)</f><v></v></c><c r="C1"><f t="shared" si="0"/></c><c r="D1"><f>1+1</f><v>2</v></c></row></sheetData>`, "")
	wb, err := readBytes(data, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	sh := wb.Sheets[0]
	want := []Formula{{Row: 0, Col: 0, Text: "SUM(B1:B2)"}, {Row: 0, Col: 2, Text: ""}}
	if len(sh.Uncached) != len(want) || sh.Uncached[0] != want[0] || sh.Uncached[1] != want[1] {
		t.Errorf("uncached %+v, want %+v", sh.Uncached, want)
	}
	if got := strings.Join(sh.Rows[0], "|"); got != "|||2" {
		t.Errorf("row %q", got)
	}
}
