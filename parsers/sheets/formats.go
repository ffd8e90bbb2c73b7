package sheets

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/shoubao/shoubao/parsers/docx"
	"github.com/shoubao/shoubao/parsers/finding"
	"github.com/shoubao/shoubao/parsers/sheets/internal/csvfile"
	"github.com/shoubao/shoubao/parsers/sheets/internal/ods"
	"github.com/shoubao/shoubao/parsers/sheets/internal/xls"
	"github.com/shoubao/shoubao/parsers/sheets/internal/xlsx"
)

// Magic numbers.
var (
	magicZip = []byte("PK\x03\x04")
	magicCFB = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// Format names, as used in messages.
const (
	formatXLSX = "xlsx"
	formatXLS  = "xls"
	formatDOCX = "docx"
	formatODS  = "ods"
	formatODT  = "odt"
)

// load reads every table of the file held by r (size bytes) into grids.
func load(ctx context.Context, r io.ReaderAt, size int64, name string, opts Options) (grids []*grid, fl finding.List) {
	defer func() {
		if p := recover(); p != nil {
			grids = nil
			fl.Add(CodeManualReview, "读取表格时出错（%v），需人工核查", p)
		}
	}()
	if size > opts.MaxFileBytes {
		fl.Add(CodeManualReview, "文件过大（%d 字节，上限 %d 字节），未自动读取，需人工核查", size, opts.MaxFileBytes)
		return nil, fl
	}
	if size == 0 {
		fl.Add(CodeManualReview, "文件为空（0 字节），需人工核查")
		return nil, fl
	}
	head := make([]byte, 8)
	n, _ := r.ReadAt(head, 0)
	head = head[:n]
	ext := strings.ToLower(filepath.Ext(name))

	switch {
	case bytes.HasPrefix(head, magicZip):
		if n, ok := xlsx.ZipEntries(r, size); ok && n > maxZipEntries {
			fl.Add(CodeManualReview, "压缩包内文件过多（%d 个，上限 %d 个），未自动读取，需人工核查", n, maxZipEntries)
			return nil, fl
		}
		// Opened once, for telling the kind and for reading (a zip that
		// does not open is told by its extension, and its reader says why).
		zr, err := zip.NewReader(r, size)
		if err != nil {
			zr = nil
		}
		switch zipKind(zr, ext) {
		case formatXLSX:
			return loadXLSX(ctx, r, size, zr, opts)
		case formatDOCX:
			return loadDOCX(ctx, r, size, opts)
		case formatODS:
			return loadODS(ctx, r, size, zr, opts)
		case formatODT:
			fl.Add(CodeManualReview, "OpenDocument 文本文件（.odt）中的表格无法自动读取，需人工核查")
			return nil, fl
		}
		fl.Add(CodeManualReview, "文件是压缩包格式，但不是 Excel（.xlsx）、OpenDocument 表格（.ods）或 Word（.docx）文件，需人工核查")
		return nil, fl
	case bytes.HasPrefix(head, magicCFB):
		return loadXLS(ctx, r, ext, opts)
	}
	if textExts[ext] || looksLikeText(r, ext) {
		return loadCSV(ctx, r, size, name, opts)
	}
	switch ext {
	case ".doc", ".wps":
		fl.Add(CodeManualReview, "旧版 Word 文件（%s）无法自动读取表格，需人工核查", ext)
	case ".xls", ".et", ".xlsx", ".xlsm", ".docx", ".ods":
		fl.Add(CodeManualReview, "文件扩展名为 %s，但内容不是该格式（可能是网页或文本另存），需人工核查", ext)
	default:
		fl.Add(CodeManualReview, "无法识别的文件格式，需人工核查")
	}
	return nil, fl
}

// textExts are read as delimited text.
var textExts = map[string]bool{".csv": true, ".tsv": true, ".txt": true}

// looksLikeText reports whether a file whose name says spreadsheet (.xls,
// .et) or nothing is really delimited text, as WPS and some systems save
// a CSV under .xls: no NUL byte and no markup at the start, and a line
// split by commas or tabs.
func looksLikeText(r io.ReaderAt, ext string) bool {
	if ext != ".xls" && ext != ".et" && ext != "" {
		return false
	}
	head := make([]byte, 4096)
	n, _ := r.ReadAt(head, 0)
	head = head[:n]
	if n == 0 || bytes.IndexByte(head, 0) >= 0 {
		return false
	}
	t := bytes.TrimLeft(bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF}), " \t\r\n")
	if len(t) > 0 && t[0] == '<' {
		return false // HTML or XML saved under .xls
	}
	line, _, _ := bytes.Cut(t, []byte("\n"))
	return bytes.IndexByte(line, ',') >= 0 || bytes.IndexByte(line, '\t') >= 0
}

// loadCSV reads a delimited text table with internal/csvfile.
func loadCSV(ctx context.Context, r io.ReaderAt, size int64, name string, opts Options) ([]*grid, finding.List) {
	var fl finding.List
	lim := xlsxLimits(opts)
	sheet := strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	if sheet == "" {
		sheet = "CSV"
	}
	wb, _, err := csvfile.Read(ctx, r, size, sheet, lim)
	if err != nil && ctx.Err() == nil {
		if errors.Is(err, csvfile.ErrBinary) {
			fl.Add(CodeManualReview, "文件不是文本表格（CSV），也不是可识别的 Excel 格式，需人工核查")
		} else {
			fl.Add(CodeManualReview, "无法读取文本表格（CSV），需人工核查（%v）", err)
		}
		return nil, fl
	}
	grids, fl := workbookGrids(wb, lim, fl)
	for _, g := range grids {
		g.text = true
	}
	return grids, fl
}

// maxZipEntries bounds the entries of a zip (.xlsx, .docx) read: a
// workbook or document has a few dozen.
const maxZipEntries = xlsx.DefaultMaxParts

// zipKind tells a workbook from a Word document by the parts inside zr
// (nil when the zip could not be opened); the file name's extension
// decides only when the parts do not.
func zipKind(zr *zip.Reader, ext string) string {
	var files []*zip.File
	if zr != nil {
		files = zr.File
	}
	for _, f := range files {
		switch {
		case strings.HasPrefix(f.Name, "xl/"):
			return formatXLSX
		case strings.HasPrefix(f.Name, "word/"):
			return formatDOCX
		case f.Name == "mimetype" && f.UncompressedSize64 < 200:
			if rc, err := f.Open(); err == nil {
				b, _ := io.ReadAll(io.LimitReader(rc, 200))
				rc.Close()
				switch string(b) {
				case "application/vnd.oasis.opendocument.spreadsheet", "application/vnd.oasis.opendocument.spreadsheet-template":
					return formatODS
				case "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.text-template":
					return formatODT
				}
			}
		}
	}
	switch ext {
	case ".ods", ".ots":
		return formatODS
	case ".odt":
		return formatODT
	case ".xlsx", ".xlsm", ".et":
		return formatXLSX
	case ".docx":
		return formatDOCX
	}
	return ""
}

// loadXLSX reads every sheet of an .xlsx/.xlsm workbook with
// internal/xlsx, streaming each sheet once under its limits.
func loadXLSX(ctx context.Context, r io.ReaderAt, size int64, zr *zip.Reader, opts Options) ([]*grid, finding.List) {
	var fl finding.List
	lim := xlsxLimits(opts)
	var wb *xlsx.Workbook
	var err error
	if zr != nil {
		wb, err = xlsx.ReadZip(ctx, zr, lim)
	} else {
		wb, err = xlsx.Read(ctx, r, size, lim)
	}
	if err != nil && ctx.Err() == nil {
		fl.Add(CodeManualReview, "%s", xlsxRefusal(err, lim))
		return nil, fl
	}
	return workbookGrids(wb, lim, fl)
}

// loadODS reads every table of an OpenDocument spreadsheet with
// internal/ods, streaming content.xml once under the limits of .xlsx.
func loadODS(ctx context.Context, r io.ReaderAt, size int64, zr *zip.Reader, opts Options) ([]*grid, finding.List) {
	var fl finding.List
	lim := xlsxLimits(opts)
	var wb *xlsx.Workbook
	var err error
	if zr != nil {
		wb, err = ods.ReadZip(ctx, zr, lim)
	} else {
		wb, err = ods.Read(ctx, r, size, lim)
	}
	if err != nil && ctx.Err() == nil {
		switch {
		case errors.Is(err, ods.ErrEncrypted):
			fl.Add(CodeManualReview, "OpenDocument 表格（.ods）设置了密码，无法读取，需人工核查")
		case errors.Is(err, ods.ErrNotSpreadsheet):
			fl.Add(CodeManualReview, "文件是 OpenDocument 文档，但不是表格（.ods），需人工核查")
		case errors.Is(err, ods.ErrNoContent):
			fl.Add(CodeManualReview, "OpenDocument 表格（.ods）中没有内容部分（content.xml），文件可能已损坏，需人工核查")
		default:
			msg := xlsxRefusal(err, lim)
			msg = strings.Replace(msg, "Excel 文件", "OpenDocument 表格（.ods）", 1)
			fl.Add(CodeManualReview, "%s", msg)
		}
		return nil, fl
	}
	return workbookGrids(wb, lim, fl)
}

// workbookGrids turns the sheets read by internal/xlsx or internal/ods
// into grids, with a finding for each limit a sheet ran into.
func workbookGrids(wb *xlsx.Workbook, lim xlsx.Limits, fl finding.List) ([]*grid, finding.List) {
	if wb == nil {
		return nil, fl
	}
	if wb.CutStrings > 0 {
		fl.Add(CodeTruncated, "文件中有 %d 段文字超过 %d 字，已截断", wb.CutStrings, lim.MaxCellRunes)
	}
	if wb.SkippedSheets > 0 {
		fl.Add(CodeTruncated, "文件中的工作表过多，后面 %d 个未读取", wb.SkippedSheets)
	}
	var grids []*grid
	for _, s := range wb.Sheets {
		if s.Missing {
			fl.Add(CodeManualReview, "无法读取工作表“%s”（文件中缺少该工作表的内容），需人工核查", s.Name)
			continue
		}
		g := &grid{name: s.Name, hidden: s.Hidden, rows: s.Rows}
		areas := make([]area, 0, len(s.Merges))
		for _, m := range s.Merges {
			areas = append(areas, area{m.FirstRow, m.FirstCol, m.LastRow, m.LastCol})
		}
		g.addMerges(areas)
		for _, u := range s.Uncached {
			g.addUncached(u.Row, u.Col, u.Text)
		}
		grids = append(grids, g)
		switch s.Stop {
		case xlsx.StopRows:
			fl.Add(CodeTruncated, "工作表“%s”超过 %d 行，只读取了前 %d 行", s.Name, lim.MaxRows, len(s.Rows))
		case xlsx.StopCells:
			fl.Add(CodeTruncated, "工作表“%s”过大（单元格合计超过 %d 个），只读取了前 %d 行", s.Name, lim.MaxCells, len(s.Rows))
		case xlsx.StopText:
			fl.Add(CodeTruncated, "工作表“%s”文字总量过大（合计超过 %s），只读取了前 %d 行", s.Name, sizeText(lim.MaxTextBytes), len(s.Rows))
		case xlsx.StopDamaged:
			fl.Add(CodeManualReview, "工作表“%s”已损坏，只读取了前 %d 行，需人工核查（%v）", s.Name, len(s.Rows), s.Err)
		}
		if s.SkippedRows > 0 {
			fl.Add(CodeTruncated, "工作表“%s”有 %d 行在第 %d 列（%s 列）之后还有内容，已跳过（第一个在 %s）", s.Name, s.SkippedRows, lim.MaxColumns, xlsx.ColumnName(lim.MaxColumns-1), s.SkippedAt)
		}
		if s.CutCells > 0 {
			fl.Add(CodeTruncated, "工作表“%s”有 %d 个单元格文字超过 %d 字，已截断", s.Name, s.CutCells, lim.MaxCellRunes)
		}
		if s.SkippedMerges > 0 {
			fl.Add(CodeTruncated, "工作表“%s”合并单元格过多（超过 %d 个），其余 %d 个未读取", s.Name, lim.MaxMerges, s.SkippedMerges)
		}
	}
	return grids, fl
}

// xlsxLimits are the limits of internal/xlsx for opts; the others take
// their defaults.
func xlsxLimits(opts Options) xlsx.Limits {
	return xlsx.Limits{
		MaxRows:       opts.MaxRows,
		MaxCells:      opts.MaxCells,
		MaxPartBytes:  opts.MaxUncompressedBytes,
		MaxTotalBytes: opts.MaxUncompressedBytes,
	}.WithDefaults()
}

// xlsxRefusal says why a workbook was not read.
func xlsxRefusal(err error, lim xlsx.Limits) string {
	var le *xlsx.LimitError
	switch {
	case errors.As(err, &le) && errors.Is(err, xlsx.ErrRatio):
		return fmt.Sprintf("Excel 文件压缩比异常（%s 解压后是压缩前的 %d 倍以上，疑似压缩炸弹），未自动读取，需人工核查", le.Part, le.Size)
	case errors.As(err, &le) && errors.Is(err, xlsx.ErrSharedStrings) && le.What == "count":
		return fmt.Sprintf("Excel 文件的共享字符串过多（超过 %d 条），未自动读取，需人工核查", le.Limit)
	case errors.As(err, &le) && errors.Is(err, xlsx.ErrSharedStrings):
		return fmt.Sprintf("Excel 文件的共享字符串过长（合计超过 %s），未自动读取，需人工核查", sizeText(le.Limit))
	case errors.As(err, &le) && le.What == "part":
		return fmt.Sprintf("Excel 文件解压后过大（%s 超过 %s），未自动读取，需人工核查", le.Part, sizeText(le.Limit))
	case errors.As(err, &le):
		return fmt.Sprintf("Excel 文件解压后过大（合计超过 %s），未自动读取，需人工核查", sizeText(le.Limit))
	case errors.Is(err, xlsx.ErrTooManyParts):
		return fmt.Sprintf("Excel 文件内部文件过多（超过 %d 个），未自动读取，需人工核查", lim.MaxParts)
	case errors.Is(err, xlsx.ErrNoWorkbook):
		return "Excel 文件中没有工作簿（workbook.xml）或工作表（也可能是 .xlsb 二进制格式），无法读取，需人工核查"
	case errors.Is(err, xlsx.ErrMalformed):
		return "Excel 文件的工作簿目录已损坏，无法读取，需人工核查"
	case errors.Is(err, zip.ErrFormat), errors.Is(err, zip.ErrChecksum), errors.Is(err, zip.ErrAlgorithm):
		return fmt.Sprintf("Excel 文件已损坏，无法读取，需人工核查（%v）", err)
	}
	return fmt.Sprintf("无法读取 Excel 文件，需人工核查（%v）", err)
}

// sizeText writes a byte count for a message: "256 MB", "1.5 KB".
func sizeText(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', -1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', -1, 64) + " KB"
	}
	return strconv.FormatInt(n, 10) + " 字节"
}

// loadXLS reads a BIFF8 workbook (.xls, and WPS .et, which is the same
// compound file format).
func loadXLS(ctx context.Context, r io.ReaderAt, ext string, opts Options) ([]*grid, finding.List) {
	var fl finding.List
	sheets, err := xls.Read(ctx, r, xls.Limits{
		MaxStreamBytes: opts.MaxUncompressedBytes,
		MaxCells:       opts.MaxCells,
		MaxRows:        opts.MaxRows,
	})
	switch {
	case err == nil:
	case errors.Is(err, xls.ErrWordDocument) || (errors.Is(err, xls.ErrNoWorkbook) && (ext == ".doc" || ext == ".wps")):
		fl.Add(CodeManualReview, "旧版 Word 文件（.doc/.wps）无法自动读取表格，需人工核查")
		return nil, fl
	case errors.Is(err, xls.ErrEncrypted):
		fl.Add(CodeManualReview, "文件设置了密码，无法读取，需人工核查")
		return nil, fl
	case errors.Is(err, xls.ErrVersion):
		fl.Add(CodeManualReview, "Excel 95 或更早版本的文件无法自动读取，需人工核查")
		return nil, fl
	case errors.Is(err, xls.ErrTooLarge):
		fl.Add(CodeManualReview, "Excel 文件过大，未自动读取，需人工核查")
		return nil, fl
	case ctx.Err() != nil:
		return nil, fl
	default:
		fl.Add(CodeManualReview, "无法读取 Excel（.xls）文件，需人工核查（%v）", err)
		return nil, fl
	}
	var grids []*grid
	for _, s := range sheets {
		g := &grid{name: s.Name, hidden: s.Hidden, rows: s.Rows}
		areas := make([]area, 0, len(s.Merges))
		for _, m := range s.Merges {
			areas = append(areas, area{m.FirstRow, m.FirstCol, m.LastRow, m.LastCol})
		}
		g.addMerges(areas)
		if s.Truncated {
			fl.Add(CodeTruncated, "工作表“%s”过大或已损坏，只读取了部分内容", s.Name)
		}
		grids = append(grids, g)
	}
	return grids, fl
}

// loadDOCX reads the tables of a Word document: one grid per table, with
// the paragraphs before it (title, "部门/地方（盖章）：…") as one-cell
// rows and the paragraphs after the last table appended to it.
func loadDOCX(ctx context.Context, r io.ReaderAt, size int64, opts Options) ([]*grid, finding.List) {
	var fl finding.List
	doc, dfl, err := docx.Read(ctx, r, size, docx.Options{MaxBytes: opts.MaxUncompressedBytes})
	if err != nil {
		if ctx.Err() == nil {
			fl.Add(CodeManualReview, "无法读取 Word 文件，需人工核查（%v）", err)
		}
		return nil, fl
	}
	for _, d := range dfl {
		if d.Code == docx.CodeUnreadable {
			fl.Add(CodeManualReview, "%s，需人工核查", d.Message)
			return nil, fl
		}
		fl = append(fl, d)
	}
	var grids []*grid
	var pending [][]string
	cells := 0
	prevWidth := -1 // grid columns of the last table, -1 after a title
	for _, b := range doc.Blocks {
		if b.Table == nil {
			if t := strings.TrimSpace(b.Paragraph); t != "" {
				pending = append(pending, []string{t})
			}
			continue
		}
		width := tableWidth(b.Table)
		// A table continued in a second Word table (a page break, a
		// 续表 line between): same columns, no title between. Its rows
		// go on the first's grid; a repeated header is skipped there as
		// on a printed page.
		if len(grids) > 0 && width == prevWidth && continuation(pending) {
			g := grids[len(grids)-1]
			pending = nil
			areas := tableRows(g, b.Table)
			for _, r := range g.rows[len(g.rows)-len(b.Table.Rows):] {
				cells += len(r)
			}
			if cells > opts.MaxCells || len(g.rows) > opts.MaxRows {
				fl.Add(CodeTruncated, "Word 文件中的表格过大，只读取了前面部分")
				break
			}
			g.addMerges(areas)
			continue
		}
		g := &grid{name: fmt.Sprintf("表格 %d", len(grids)+1)}
		g.rows = append(g.rows, pending...)
		pending = nil
		areas := tableRows(g, b.Table)
		for _, r := range g.rows {
			cells += len(r)
		}
		if cells > opts.MaxCells || len(g.rows) > opts.MaxRows {
			fl.Add(CodeTruncated, "Word 文件中的表格过大，只读取了前面部分")
			break
		}
		g.addMerges(areas)
		grids = append(grids, g)
		prevWidth = width
	}
	if len(grids) > 0 {
		last := grids[len(grids)-1]
		last.rows = append(last.rows, pending...)
	}
	return grids, fl
}

// tableWidth is the number of grid columns of a Word table's widest row.
func tableWidth(t *docx.Table) int {
	w := 0
	for _, row := range t.Rows {
		n := 0
		for _, c := range row {
			n += max(c.GridSpan, 1)
		}
		w = max(w, n)
	}
	return w
}

// continuation reports whether the paragraphs between two tables leave
// the second a continuation of the first: none, or a short line such as
// "续表" or "（续）".
func continuation(paras [][]string) bool {
	for _, p := range paras {
		t := fold(p[0])
		if len([]rune(t)) > 6 || strings.Contains(t, "表") && !strings.Contains(t, "续") {
			return false
		}
	}
	return true
}

// tableRows appends a Word table's rows to g by grid column, and returns
// its merged areas: gridSpan across, vMerge down.
func tableRows(g *grid, t *docx.Table) []area {
	base := len(g.rows)
	var areas []area
	open := map[int]int{} // grid column → index in areas of the vertical merge there
	for i, row := range t.Rows {
		r := base + i
		var line []string
		col := 0
		for _, c := range row {
			span := max(c.GridSpan, 1)
			if col+span > docx.MaxGridColumns {
				break
			}
			for len(line) < col+span {
				line = append(line, "")
			}
			switch c.VMerge {
			case "continue":
				if a, ok := open[col]; ok {
					areas[a].r1 = r
				}
			case "restart":
				areas = append(areas, area{r, col, r, col + span - 1})
				open[col] = len(areas) - 1
				line[col] = c.Text
			default:
				delete(open, col)
				line[col] = c.Text
				if span > 1 {
					areas = append(areas, area{r, col, r, col + span - 1})
				}
			}
			col += span
		}
		g.rows = append(g.rows, line)
	}
	return areas
}
