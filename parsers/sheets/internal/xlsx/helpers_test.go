package xlsx

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// Package parts of a minimal workbook, for buildXLSX.
const (
	contentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`
	rootRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`
	workbookOne = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`
	workbookRelsOne = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`
	sheetHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">`
	sstHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`
)

// buildXLSX zips parts (name → content) in name order, deflated.
func buildXLSX(tb testing.TB, parts map[string]string) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(parts))
	for n := range parts {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write([]byte(parts[n])); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// oneSheet is a workbook of one sheet with the given sheetData (and
// anything after it) and shared strings (the <si> items).
func oneSheet(tb testing.TB, sheetBody, sstItems string) []byte {
	parts := map[string]string{
		"[Content_Types].xml":        contentTypes,
		"_rels/.rels":                rootRels,
		"xl/workbook.xml":            workbookOne,
		"xl/_rels/workbook.xml.rels": workbookRelsOne,
		"xl/worksheets/sheet1.xml":   sheetHead + sheetBody + `</worksheet>`,
	}
	if sstItems != "" {
		parts["xl/sharedStrings.xml"] = sstHead + sstItems + `</sst>`
	}
	return buildXLSX(tb, parts)
}

// readBytes runs Read on an in-memory file.
func readBytes(data []byte, lim Limits) (*Workbook, error) {
	return Read(context.Background(), bytes.NewReader(data), int64(len(data)), lim)
}

// viaExcelize reads a workbook the way package sheets did before this
// package: excelize's row iterator with raw cell values, and
// GetMergeCells.
func viaExcelize(data []byte) ([]*Sheet, error) {
	wb, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	defer wb.Close()
	var out []*Sheet
	for _, name := range wb.GetSheetList() {
		visible, _ := wb.GetSheetVisible(name)
		sh := &Sheet{Name: name, Hidden: !visible}
		rows, err := wb.Rows(name)
		if err != nil {
			sh.Missing = true
			out = append(out, sh)
			continue
		}
		for rows.Next() {
			cols, err := rows.Columns(excelize.Options{RawCellValue: true})
			if err != nil {
				return nil, fmt.Errorf("row %d: %w", len(sh.Rows)+1, err)
			}
			sh.Rows = append(sh.Rows, cols)
		}
		rows.Close()
		mcs, err := wb.GetMergeCells(name)
		if err != nil {
			return nil, err
		}
		for _, mc := range mcs {
			c0, r0, err1 := excelize.CellNameToCoordinates(mc.GetStartAxis())
			c1, r1, err2 := excelize.CellNameToCoordinates(mc.GetEndAxis())
			if err1 == nil && err2 == nil {
				sh.Merges = append(sh.Merges, Range{r0 - 1, r1 - 1, c0 - 1, c1 - 1})
			}
		}
		out = append(out, sh)
	}
	return out, nil
}

// sameSheets compares sheets as package sheets uses them: names, hidden,
// row texts (nil and empty rows alike), merged areas.
func sameSheets(got, want []*Sheet) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d sheets, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Name != w.Name || g.Hidden != w.Hidden || g.Missing != w.Missing {
			return fmt.Sprintf("sheet %d: %q hidden=%v missing=%v, want %q hidden=%v missing=%v", i, g.Name, g.Hidden, g.Missing, w.Name, w.Hidden, w.Missing)
		}
		if len(g.Rows) != len(w.Rows) {
			return fmt.Sprintf("sheet %q: %d rows, want %d", g.Name, len(g.Rows), len(w.Rows))
		}
		for r := range g.Rows {
			if strings.Join(g.Rows[r], "\x00") != strings.Join(w.Rows[r], "\x00") || len(g.Rows[r]) != len(w.Rows[r]) {
				return fmt.Sprintf("sheet %q row %d:\n got %q\nwant %q", g.Name, r+1, g.Rows[r], w.Rows[r])
			}
		}
		if fmt.Sprint(g.Merges) != fmt.Sprint(w.Merges) {
			return fmt.Sprintf("sheet %q merges %v, want %v", g.Name, g.Merges, w.Merges)
		}
	}
	return ""
}
