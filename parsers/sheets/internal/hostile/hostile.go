// Package hostile writes workbooks made to be awkward for a spreadsheet
// reader: cells at the last column (XFD), a million rows, very wide rows,
// a zip bomb, a shared strings bomb, a huge cell; .ods files with repeat,
// span and space counts of a million and more, and CSV files with a 60 MB
// line, 20,000 columns or a million rows. They are deterministic: the
// same bytes on every run.
//
// The tests of package sheets write them into a temporary directory and
// check that each is refused or truncated quickly and in little memory;
// testdata/genhostile writes them to a directory for measuring the
// service (see README, "Tables").
package hostile

import (
	"archive/zip"
	"bufio"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// File is one hostile workbook.
type File struct {
	// Name is the file name, e.g. "xfd_1m_rows.xlsx".
	Name string
	// About says what is in it.
	About string
	// Small files (a few KB) are also kept in testdata/hostile.
	Small bool
	// sheet writes the sheet XML (inside <worksheet>); sst writes the
	// shared string items, or is nil.
	sheet func(w *bufio.Writer)
	sst   func(w *bufio.Writer)
	// ods writes the body of an .ods (inside office:spreadsheet) instead;
	// text writes a delimited text file's bytes instead.
	ods  func(w *bufio.Writer)
	text func(w *bufio.Writer)
}

// Files lists the hostile workbooks.
func Files() []File {
	return append([]File{
		{
			Name:  "xfd_1m_rows.xlsx",
			About: "1,048,576 rows, each with one cell at column XFD (53 MB of XML in about 5 MB)",
			sheet: func(w *bufio.Writer) {
				w.WriteString("<sheetData>")
				for r := 1; r <= 1<<20; r++ {
					rowStart(w, r)
					cell(w, 16383, r, "1")
					w.WriteString("</row>")
				}
				w.WriteString("</sheetData>")
			},
		},
		{
			Name:  "xfd_200_rows.xlsx",
			About: "one shared-string cell at column XFD on each of 200 rows (about 3 KB)",
			Small: true,
			sheet: func(w *bufio.Writer) {
				w.WriteString("<sheetData>")
				for r := 1; r <= 200; r++ {
					rowStart(w, r)
					w.WriteString(`<c r="XFD` + strconv.Itoa(r) + `" t="s"><v>0</v></c></row>`)
				}
				w.WriteString(`</sheetData><mergeCells count="1"><mergeCell ref="A1:B2"/></mergeCells>`)
			},
			sst: func(w *bufio.Writer) { w.WriteString("<si><t>x</t></si>") },
		},
		{
			Name:  "wide_rows.xlsx",
			About: "300 rows of 16,384 cells out to XFD, without cell references (78 MB of XML in about 570 KB)",
			sheet: func(w *bufio.Writer) {
				w.WriteString("<sheetData>")
				var nb [20]byte
				for r := 1; r <= 300; r++ {
					rowStart(w, r)
					for c := range 16384 {
						w.WriteString("<c><v>")
						w.Write(strconv.AppendInt(nb[:0], int64((r*c)%50), 10))
						w.WriteString("</v></c>")
					}
					w.WriteString("</row>")
				}
				w.WriteString("</sheetData>")
			},
		},
		{
			Name:  "wide_rows_sparse.xlsx",
			About: "300 rows with a cell in every 16th column out to XFD (about 1.2 MB)",
			sheet: func(w *bufio.Writer) {
				w.WriteString("<sheetData>")
				for r := 1; r <= 300; r++ {
					rowStart(w, r)
					for c := 0; c < 16384; c += 16 {
						cell(w, c, r, strconv.Itoa(c%97))
					}
					w.WriteString("</row>")
				}
				w.WriteString("</sheetData>")
			},
		},
		{
			Name:  "ordinary_200x16384.xlsx",
			About: "an ordinary sheet of 200 rows × 16,384 columns of numbers (89 MB of XML in 14 MB)",
			sheet: func(w *bufio.Writer) {
				w.WriteString("<sheetData>")
				for r := 1; r <= 200; r++ {
					rowStart(w, r)
					for c := range 16384 {
						cell(w, c, r, strconv.Itoa((r*c)%1000))
					}
					w.WriteString("</row>")
				}
				w.WriteString("</sheetData>")
			},
		},
		{
			Name:  "zip_bomb.xlsx",
			About: "36 MB of sheet XML (formulas 36 KB long) in a zip of about 100 KB",
			sheet: func(w *bufio.Writer) {
				w.WriteString("<sheetData>")
				for r := 1; r <= 1000; r++ {
					rowStart(w, r)
					w.WriteString(`<c r="A` + strconv.Itoa(r) + `"><f>`)
					for range 4000 {
						w.WriteString("A1+B2+C3+")
					}
					w.WriteString("0</f><v>0</v></c></row>")
				}
				w.WriteString("</sheetData>")
			},
		},
		{
			Name:  "sst_count_bomb.xlsx",
			About: "1,500,000 distinct shared strings (48 MB of XML)",
			sheet: func(w *bufio.Writer) {
				w.WriteString(`<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>`)
			},
			sst: func(w *bufio.Writer) {
				for i := range 1_500_000 {
					w.WriteString("<si><t>项目")
					w.WriteString(strconv.Itoa(i * 7919))
					w.WriteString("</t></si>")
				}
			},
		},
		{
			Name:  "sst_bytes_bomb.xlsx",
			About: "8,000 shared strings of 1,000 random characters (17 MB of text, past the 16 MiB limit)",
			sheet: func(w *bufio.Writer) {
				w.WriteString(`<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>`)
			},
			sst: func(w *bufio.Writer) {
				rng := rand.New(rand.NewPCG(1, 2))
				for range 8_000 {
					w.WriteString("<si><t>")
					randomText(w, rng, 1000)
					w.WriteString("</t></si>")
				}
			},
		},
		{
			Name:  "huge_cell.xlsx",
			About: "one inline string cell of 3,000,000 random characters (6.6 MB)",
			sheet: func(w *bufio.Writer) {
				w.WriteString(`<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>`)
				randomText(w, rand.New(rand.NewPCG(3, 4)), 3_000_000)
				w.WriteString(`</t></is></c><c r="B1"><v>1</v></c></row></sheetData>`)
			},
		},
	}, odsFiles()...)
}

// odsFiles are the hostile .ods and .csv files.
func odsFiles() []File {
	return []File{
		{
			Name:  "ods_repeat_bomb.ods",
			About: "one filled cell repeated 1,048,576 times across, in a row repeated 1,048,576 times",
			Small: true,
			ods: func(w *bufio.Writer) {
				w.WriteString(`<table:table table:name="s"><table:table-row table:number-rows-repeated="1048576"><table:table-cell office:value-type="string" table:number-columns-repeated="1048576"><text:p>科普</text:p></table:table-cell></table:table-row></table:table>`)
			},
		},
		{
			Name:  "ods_1m_rows.ods",
			About: "1,048,576 rows of one distinct string cell each (about 70 MB of XML)",
			ods: func(w *bufio.Writer) {
				w.WriteString(`<table:table table:name="s">`)
				var nb [20]byte
				for r := range 1 << 20 {
					w.WriteString(`<table:table-row><table:table-cell office:value-type="string"><text:p>项目`)
					w.Write(strconv.AppendInt(nb[:0], int64(r*7919), 10))
					w.WriteString(`</text:p></table:table-cell></table:table-row>`)
				}
				w.WriteString(`</table:table>`)
			},
		},
		{
			Name:  "ods_zip_bomb.ods",
			About: "40 MB of empty rows and cells in a zip of about 100 KB",
			ods: func(w *bufio.Writer) {
				w.WriteString(`<table:table table:name="s">`)
				for range 500_000 {
					w.WriteString(`<table:table-row><table:table-cell/><table:table-cell/></table:table-row>`)
				}
				w.WriteString(`</table:table>`)
			},
		},
		{
			Name:  "ods_spaces_bomb.ods",
			About: "20,000 cells each asking for 2,000,000,000 spaces (text:s)",
			Small: true,
			ods: func(w *bufio.Writer) {
				w.WriteString(`<table:table table:name="s">`)
				for range 200 {
					w.WriteString(`<table:table-row>`)
					for range 100 {
						w.WriteString(`<table:table-cell office:value-type="string"><text:p><text:s text:c="2000000000"/></text:p></table:table-cell>`)
					}
					w.WriteString(`</table:table-row>`)
				}
				w.WriteString(`</table:table>`)
			},
		},
		{
			Name:  "ods_merge_bomb.ods",
			About: "20,000 cells each merged over 1,048,576 rows and 16,384 columns",
			Small: true,
			ods: func(w *bufio.Writer) {
				w.WriteString(`<table:table table:name="s">`)
				for range 200 {
					w.WriteString(`<table:table-row>`)
					for range 100 {
						w.WriteString(`<table:table-cell office:value-type="float" office:value="1" table:number-columns-spanned="16384" table:number-rows-spanned="1048576"/>`)
					}
					w.WriteString(`</table:table-row>`)
				}
				w.WriteString(`</table:table>`)
			},
		},
		{
			Name:  "ods_many_tables.ods",
			About: "20,000 tables of one cell",
			Small: true,
			ods: func(w *bufio.Writer) {
				for range 20_000 {
					w.WriteString(`<table:table table:name="t"><table:table-row><table:table-cell office:value-type="float" office:value="1"/></table:table-row></table:table>`)
				}
			},
		},
		{
			Name:  "ods_huge_cell.ods",
			About: "one cell of 3,000,000 random characters",
			ods: func(w *bufio.Writer) {
				w.WriteString(`<table:table table:name="s"><table:table-row><table:table-cell office:value-type="string"><text:p>`)
				randomText(w, rand.New(rand.NewPCG(5, 6)), 3_000_000)
				w.WriteString(`</text:p></table:table-cell></table:table-row></table:table>`)
			},
		},
		{
			Name:  "csv_huge_line.csv",
			About: "60 MB on one line, in an unclosed quote",
			text: func(w *bufio.Writer) {
				w.WriteString(`序号,"`)
				rng := rand.New(rand.NewPCG(7, 8))
				for range 20 {
					randomText(w, rng, 1_000_000)
				}
			},
		},
		{
			Name:  "csv_wide.csv",
			About: "200 rows of 20,000 comma-separated numbers",
			text: func(w *bufio.Writer) {
				var nb [20]byte
				for r := range 200 {
					for c := range 20_000 {
						w.Write(strconv.AppendInt(nb[:0], int64((r*c)%100), 10))
						w.WriteByte(',')
					}
					w.WriteString("\r\n")
				}
			},
		},
		{
			Name:  "csv_1m_rows.csv",
			About: "1,048,576 lines of two fields",
			text: func(w *bufio.Writer) {
				var nb [20]byte
				for r := range 1 << 20 {
					w.Write(strconv.AppendInt(nb[:0], int64(r), 10))
					w.WriteString(",活动\n")
				}
			},
		},
	}
}

// Write writes the workbook to path.
func (f File) Write(path string) (err error) {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	return f.Encode(out)
}

// WriteAll writes every file (only the small ones if small) into dir and
// returns their paths by name.
func WriteAll(dir string, small bool) (map[string]string, error) {
	paths := map[string]string{}
	for _, f := range Files() {
		if small && !f.Small {
			continue
		}
		p := filepath.Join(dir, f.Name)
		if err := f.Write(p); err != nil {
			return nil, err
		}
		paths[f.Name] = p
	}
	return paths, nil
}

// Encode writes the workbook as a zip to w (a delimited text file as it
// is).
func (f File) Encode(w io.Writer) error {
	if f.text != nil {
		bw := bufio.NewWriterSize(w, 64<<10)
		f.text(bw)
		return bw.Flush()
	}
	zw := zip.NewWriter(w)
	if f.ods != nil {
		return f.encodeODS(zw)
	}
	part := func(name string, body func(*bufio.Writer)) error {
		pw, err := zw.Create(name)
		if err != nil {
			return err
		}
		bw := bufio.NewWriterSize(pw, 64<<10)
		body(bw)
		return bw.Flush()
	}
	text := func(s string) func(*bufio.Writer) { return func(w *bufio.Writer) { w.WriteString(s) } }
	rels := `<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>`
	types := `<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`
	if f.sst != nil {
		rels += `<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`
		types += `<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`
	}
	parts := []struct {
		name string
		body func(*bufio.Writer)
	}{
		{"[Content_Types].xml", text(xmlDecl + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` + types + `</Types>`)},
		{"_rels/.rels", text(xmlDecl + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)},
		{"xl/workbook.xml", text(xmlDecl + `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`)},
		{"xl/_rels/workbook.xml.rels", text(xmlDecl + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` + rels + `</Relationships>`)},
		{"xl/worksheets/sheet1.xml", func(w *bufio.Writer) {
			w.WriteString(xmlDecl + `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">`)
			f.sheet(w)
			w.WriteString(`</worksheet>`)
		}},
	}
	if f.sst != nil {
		parts = append(parts, struct {
			name string
			body func(*bufio.Writer)
		}{"xl/sharedStrings.xml", func(w *bufio.Writer) {
			w.WriteString(xmlDecl + `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
			f.sst(w)
			w.WriteString(`</sst>`)
		}})
	}
	for _, p := range parts {
		if err := part(p.name, p.body); err != nil {
			return err
		}
	}
	return zw.Close()
}

// encodeODS writes an .ods: mimetype, content.xml and the manifest.
func (f File) encodeODS(zw *zip.Writer) error {
	mt, err := zw.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
	if err != nil {
		return err
	}
	mt.Write([]byte("application/vnd.oasis.opendocument.spreadsheet"))
	pw, err := zw.Create("content.xml")
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(pw, 64<<10)
	bw.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>`)
	f.ods(bw)
	bw.WriteString(`</office:spreadsheet></office:body></office:document-content>`)
	if err := bw.Flush(); err != nil {
		return err
	}
	mw, err := zw.Create("META-INF/manifest.xml")
	if err != nil {
		return err
	}
	mw.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>`))
	return zw.Close()
}

const xmlDecl = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

func rowStart(w *bufio.Writer, r int) {
	var nb [20]byte
	w.WriteString(`<row r="`)
	w.Write(strconv.AppendInt(nb[:0], int64(r), 10))
	w.WriteString(`">`)
}

// cell writes a number cell at zero-based column c of row r.
func cell(w *bufio.Writer, c, r int, v string) {
	var nb [20]byte
	w.WriteString(`<c r="`)
	w.WriteString(colName(c))
	w.Write(strconv.AppendInt(nb[:0], int64(r), 10))
	w.WriteString(`"><v>`)
	w.WriteString(v)
	w.WriteString(`</v></c>`)
}

var colNames = func() []string {
	out := make([]string, 16384)
	for c := range out {
		var b []byte
		for n := c + 1; n > 0; n = (n - 1) / 26 {
			b = append([]byte{byte('A' + (n-1)%26)}, b...)
		}
		out[c] = string(b)
	}
	return out
}()

func colName(c int) string { return colNames[c] }

// randomText writes n characters drawn from a small set of Chinese
// characters and ASCII, so that it compresses like text does.
func randomText(w *bufio.Writer, rng *rand.Rand, n int) {
	const chars = "科普活动开展情况统计表推荐单位联系电话举办时间地点abcdefgh0123456789"
	rs := []rune(chars)
	for range n {
		w.WriteRune(rs[rng.IntN(len(rs))])
	}
}
