package export

import (
	"archive/zip"
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/shoubao/shoubao/parsers/sheets"
	"github.com/shoubao/shoubao/pipeline/rules"
)

func TestRecommendLayout(t *testing.T) {
	list := func(cols []string, rows int) *List {
		l := &sheets.Recommend{Columns: cols}
		for i := 0; i < rows; i++ {
			l.Rows = append(l.Rows, map[string]string{"序号": strconv.Itoa(i + 1)})
		}
		return &List{List: l}
	}
	camp := func(lists ...*List) *Campaign {
		c := &Campaign{}
		for _, l := range lists {
			c.Units = append(c.Units, Unit{List: l})
		}
		return c
	}
	withExtra := append(slices.Clone(Layout2024), "备注")
	for _, tc := range []struct {
		name string
		c    *Campaign
		want []string
	}{
		{"no lists", camp(), Layout2026},
		{"2026 only", camp(list(Layout2026, 3)), Layout2026},
		{"2024 only", camp(list(Layout2024, 3)), Layout2024},
		{"tie: 2026", camp(list(Layout2024, 2), list(Layout2026, 2)), Layout2026},
		// More rows in 2024 lists: the 2026 list's own columns follow;
		// 活动名称 and 承办单位 go under 推荐活动 and 举办单位.
		{"most rows 2024", camp(list(Layout2024, 5), list(Layout2026, 2)),
			[]string{"序号", "推荐活动", "举办单位", "推荐单位", "活动内容简介", "举办时间", "举办地点", "依托基地", "联系人", "联系电话"}},
		{"extra column kept", camp(list(withExtra, 1)), withExtra},
	} {
		if got := RecommendLayout(tc.c); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestRecommendExport: every unit's rows under one layout, renumbered,
// with their source; phones as text; printable; read back by excelize,
// LibreOffice and shoubao's own list reader.
func TestRecommendExport(t *testing.T) {
	fx := newFixture(t)
	c, o := fx.load(t), fx.oracle(t)
	path := writeFile(t, t.TempDir(), "推荐活动汇总表.xlsx", func(f *os.File) error { return WriteRecommend(f, c) })

	// The expected rows: each unit's stored rows, in roster order.
	cols := append(RecommendLayout(c), ColSourceUnit, ColSourceFile)
	var want [][]string
	for _, u := range o.state.Units {
		l := o.lists[u.Name]
		if l == nil {
			continue
		}
		for _, row := range l.Rows {
			var r []string
			for _, col := range cols {
				v, ok := row[col]
				if !ok && !slices.Contains(l.Columns, col) {
					v = row[across[col]]
				}
				switch col {
				case "序号":
					v = strconv.Itoa(len(want) + 1)
				case ColSourceUnit:
					v = u.Name
				case ColSourceFile:
					v = unitByName(t, c, u.Name).List.File
				}
				r = append(r, v)
			}
			want = append(want, r)
		}
	}
	if len(want) != 16+11 {
		t.Fatalf("%d rows expected from the fixture lists", len(want))
	}
	check := func(who string, rows [][]string) {
		t.Helper()
		if got := rows[1]; !slices.Equal(got[:len(cols)], cols) {
			t.Errorf("%s: header %q, want %q", who, got, cols)
		}
		if len(rows)-2 != len(want) {
			t.Errorf("%s: %d rows, want %d", who, len(rows)-2, len(want))
		}
		for i := 0; i < len(want) && i+2 < len(rows); i++ {
			for k, col := range cols {
				if got := cellAt(rows, i+3, k+1); got != want[i][k] {
					t.Errorf("%s: row %d %s = %q, want %q", who, i+1, col, got, want[i][k])
				}
			}
		}
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(SheetRecommend, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	check("excelize", rows)

	// Phones are text cells (leading zeros kept), in a text-formatted
	// column; long text wraps.
	phone := slices.Index(cols, "联系电话") + 1
	if phone == 0 {
		t.Fatal("no 联系电话 column")
	}
	zeros := 0
	for r := 3; r < len(want)+3; r++ {
		typ, _ := f.GetCellType(SheetRecommend, cell(phone, r))
		v, _ := f.GetCellValue(SheetRecommend, cell(phone, r))
		if v != "" && typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString {
			t.Errorf("phone %q stored as type %v", v, typ)
		}
		if strings.HasPrefix(v, "0") {
			zeros++
		}
		id, _ := f.GetCellStyle(SheetRecommend, cell(phone, r))
		if st, _ := f.GetStyle(id); st == nil || st.NumFmt != 49 || !st.Alignment.WrapText {
			t.Errorf("phone cell style %+v", st)
		}
	}
	if zeros == 0 {
		t.Error("the fixture's landlines (0356-…) lost their leading zero")
	}
	// A4 landscape, one page wide, the header row on every page.
	pl, err := f.GetPageLayout(SheetRecommend)
	if err != nil || pl.Size == nil || *pl.Size != 9 || pl.Orientation == nil || *pl.Orientation != "landscape" ||
		pl.FitToWidth == nil || *pl.FitToWidth != 1 {
		t.Errorf("page layout %+v (%v)", pl, err)
	}
	titles := false
	for _, dn := range f.GetDefinedName() {
		titles = titles || dn.Name == "_xlnm.Print_Titles" && dn.Scope == SheetRecommend && strings.HasSuffix(dn.RefersTo, "!$2:$2")
	}
	if !titles {
		t.Errorf("no print titles: %+v", f.GetDefinedName())
	}

	for _, recalc := range []bool{false} {
		check("LibreOffice", libreOffice(t, path, recalc)[SheetRecommend])
	}

	// The next level reads it as a recommendation list with every row.
	res, fl := sheets.ParseFile(context.Background(), path, "推荐活动汇总表.xlsx", sheets.Options{})
	if res.Recommend == nil || len(res.Recommend.Rows) != len(want) {
		t.Fatalf("read back: %+v %v", res, fl)
	}
	for i, row := range res.Recommend.Rows {
		if row["推荐活动"] != want[i][1] || row[ColSourceUnit] != want[i][len(cols)-2] {
			t.Errorf("read back row %d: %q", i+1, row)
		}
	}
	golden(t, "recommend.golden", dump(t, path))
}

// bigList is a campaign of 50 units with 100 long rows each.
func bigList(rows int) *Campaign {
	const units = 50
	st := &rules.State{Campaign: rules.CampaignInfo{ID: "big", Title: "省级活动"}, GeneratedAt: time.Now()}
	for i := 0; i < units; i++ {
		st.Units = append(st.Units, rules.UnitState{Name: fmt.Sprintf("第%02d县科技局", i)})
	}
	c := &Campaign{State: st}
	intro := strings.Repeat("依托科技馆与无人机航空航天馆资源，开展基础科学互动体验及无人机科普课程，通过实物演示与互动体验，展现科技魅力。", 3)
	for i := range st.Units {
		l := &sheets.Recommend{Columns: Layout2026}
		for k := 0; k < rows/units; k++ {
			l.Rows = append(l.Rows, map[string]string{"序号": strconv.Itoa(k + 1), "活动名称": fmt.Sprintf("科普活动%d-%d", i, k),
				"活动内容简介": intro, "举办时间": "5月下旬至6月上旬", "举办地点": "晋城市示范性综合实践基地、无人机科技馆",
				"承办单位": "晋城市示范性综合实践基地", "依托基地": "晋城市中小学生综合实践教育基地山西省科普基地",
				"推荐单位": st.Units[i].Name, "联系人": "郎晋军", "联系电话": "0356-2633228"})
		}
		c.Units = append(c.Units, Unit{State: &st.Units[i], List: &List{Origin: Origin{File: "推荐表.xlsx"}, List: l}})
	}
	return c
}

// BenchmarkRecommendExport writes a 5,000-row recommendation list (50
// units, 100 rows each, 300-character descriptions) to a file; it reports
// the peak heap in use while writing, the process's peak RSS and its RSS
// before the export began (the test binary and the rows). The reference,
// in the same run: the same rows and styles written wholly by excelize's
// StreamWriter, as WriteRecommend did before it wrote the rows itself.
//
//	go test -run XXX -bench RecommendExport -benchtime 5x ./pipeline/export
func BenchmarkRecommendExport(b *testing.B) {
	c := bigList(5000)
	for _, bm := range []struct {
		name  string
		write func(io.Writer, *Campaign) error
	}{{"shoubao", WriteRecommend}, {"excelize-stream", excelizeRecommend}} {
		b.Run(bm.name, func(b *testing.B) {
			dir := b.TempDir()
			clearPeakRSS()
			base := peakRSS()
			var peak atomic.Uint64
			stop := sampleHeap(&peak)
			for b.Loop() {
				f, err := os.Create(dir + "/r.xlsx")
				if err != nil {
					b.Fatal(err)
				}
				if err := bm.write(f, c); err != nil {
					b.Fatal(err)
				}
				f.Close()
			}
			stop()
			b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MB")
			b.ReportMetric(float64(base)/(1<<20), "RSS-before-MB")
			b.ReportMetric(5000, "rows/op")
			// The file holds every row.
			zr, err := zip.OpenReader(dir + "/r.xlsx")
			if err != nil {
				b.Fatal(err)
			}
			defer zr.Close()
			for _, f := range zr.File {
				if strings.HasPrefix(f.Name, "xl/worksheets/") {
					r, _ := f.Open()
					data, _ := io.ReadAll(r)
					if n := strings.Count(string(data), "<row "); n != 5002 {
						b.Fatalf("%d rows written", n)
					}
				}
			}
		})
	}
}

// excelizeRecommend writes the rows of WriteRecommend (without the note
// for an empty list) wholly with excelize's StreamWriter: the benchmark's
// reference.
func excelizeRecommend(w io.Writer, c *Campaign) error {
	b := newBook()
	b.sheet(true, SheetRecommend)
	cols := append(RecommendLayout(c), ColSourceUnit, ColSourceFile)
	b.print(SheetRecommend, true, true, "$2:$2", "")
	sw := b.stream(SheetRecommend)
	colWidths := make([]float64, len(cols))
	for i, col := range cols {
		colWidths[i] = cmp.Or(widths[col], 16)
		b.check(sw.SetColWidth(i+1, i+1, colWidths[i]))
	}
	b.check(sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"}))
	b.check(sw.SetRow("A1", []any{excelize.Cell{StyleID: b.title, Value: c.State.Campaign.Title + "特色活动推荐汇总表"}}, excelize.RowOpts{Height: 32}))
	b.check(sw.MergeCell("A1", cell(len(cols), 1)))
	header := make([]any, len(cols))
	for i, col := range cols {
		header[i] = excelize.Cell{StyleID: b.header, Value: col}
	}
	b.check(sw.SetRow("A2", header, excelize.RowOpts{Height: 24}))
	r, n := 3, 0
	values := make([]any, len(cols))
	texts := make([]string, len(cols))
	for _, u := range c.Units {
		for _, row := range u.List.List.Rows {
			n++
			for i, col := range cols {
				style := b.textWrap
				if isPhone(col) {
					style = b.phone
				}
				var v any = row[col]
				switch col {
				case "序号":
					v = n
				case ColSourceUnit:
					v = u.State.Name
				case ColSourceFile:
					v = u.List.File
				}
				values[i] = excelize.Cell{StyleID: style, Value: v}
				texts[i], _ = v.(string)
			}
			b.check(sw.SetRow(cell(1, r), values, excelize.RowOpts{Height: fitHeight(texts, colWidths, 20)}))
			r++
		}
	}
	b.check(sw.Flush())
	return b.write(w)
}

// TestRecommendExportBudget: 5,000 rows in at most a second of wall time
// and 16 MB of heap beyond the rows (the benchmark reports the figures).
func TestRecommendExportBudget(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("timing budget: not under -short or -race")
	}
	c := bigList(5000)
	runtime.GC()
	// The heap the package's earlier tests left in use (25 MB and more in
	// a whole-package run) is not the export's: count from here.
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	stop := sampleHeap(&peak)
	start := time.Now()
	f, err := os.Create(t.TempDir() + "/r.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteRecommend(f, c); err != nil {
		t.Fatal(err)
	}
	f.Close()
	took := time.Since(start)
	stop()
	peak.Store(max(peak.Load(), base) - base)
	t.Logf("5,000 rows in %s, peak heap %.1f MB above the %.1f MB before", took, float64(peak.Load())/(1<<20), float64(base)/(1<<20))
	if took > 2*time.Second { // 1 s is the target; twice that on a loaded CI machine fails
		t.Errorf("5,000 rows took %s", took)
	}
	if peak.Load() > 16<<20 { // about 2 MB here above the rows (6 MB); 30–43 MB when excelize buffered the sheet
		t.Errorf("peak heap %.1f MB", float64(peak.Load())/(1<<20))
	}
}

// sampleHeap records the peak of the heap in use until stop is called.
func sampleHeap(peak *atomic.Uint64) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var ms runtime.MemStats
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if v := ms.HeapInuse; v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}

// clearPeakRSS resets the kernel's record of the process's peak RSS
// (Linux), so that peakRSS measures what follows.
func clearPeakRSS() {
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSS is the process's peak resident set size (VmHWM), 0 when unknown.
func peakRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
