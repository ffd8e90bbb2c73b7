package sheets

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/shoubao/shoubao/parsers/finding"
	"github.com/shoubao/shoubao/parsers/sheets/internal/hostile"
)

// Bounds for reading one hostile file: 2 s of CPU time (user + system,
// all threads) and 64 MiB of Go heap. The time bound is on CPU time
// because the wall time of a test on a shared machine measures the other
// processes too; the wall time is only checked against a hang (30 s).
// Under the race detector everything runs several times slower, so the
// CPU bound is 10 s there; its shadow memory is not Go heap, so the heap
// bound holds in both.
const (
	hostileHeapCeiling = 64 << 20
	hostileCPU         = 2 * time.Second
	hostileCPURace     = 10 * time.Second
	hostileWall        = 30 * time.Second
)

// cpuTime is the process's user and system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestHostileFiles: each workbook (.xlsx, .ods, .csv) of internal/hostile
// is refused or truncated with a finding, quickly, in little memory and
// without a temporary file. The small ones are also in testdata/hostile; the
// others are written into a temporary directory (a few seconds each;
// skipped with -short).
func TestHostileFiles(t *testing.T) {
	want := map[string]string{
		"xfd_1m_rows.xlsx":        CodeTruncated,    // rows past MaxRows, cells past column 1,024
		"xfd_200_rows.xlsx":       CodeTruncated,    // cells past column 1,024
		"wide_rows.xlsx":          CodeManualReview, // compression ratio
		"wide_rows_sparse.xlsx":   CodeTruncated,    // cells past column 1,024
		"ordinary_200x16384.xlsx": CodeTruncated,    // cells past column 1,024
		"zip_bomb.xlsx":           CodeManualReview, // compression ratio
		"sst_count_bomb.xlsx":     CodeManualReview, // shared strings count
		"sst_bytes_bomb.xlsx":     CodeManualReview, // shared strings bytes
		"huge_cell.xlsx":          CodeTruncated,    // cell text cut
		"ods_repeat_bomb.ods":     CodeTruncated,    // repeats past column 1,024 and the cell budget
		"ods_1m_rows.ods":         CodeTruncated,    // rows past MaxRows
		"ods_zip_bomb.ods":        CodeManualReview, // compression ratio
		"ods_spaces_bomb.ods":     CodeTruncated,    // cell text cut, then the text budget
		"ods_merge_bomb.ods":      CodeTruncated,    // merged areas past 10,000
		"ods_many_tables.ods":     CodeTruncated,    // sheets past 10,000
		"ods_huge_cell.ods":       CodeTruncated,    // cell text cut
		"csv_huge_line.csv":       CodeTruncated,    // cell text cut
		"csv_wide.csv":            CodeTruncated,    // cells past column 1,024
		"csv_1m_rows.csv":         CodeTruncated,    // rows past MaxRows
	}
	limit := hostileCPU
	if raceEnabled {
		limit = hostileCPURace
	}
	dir := t.TempDir()
	for _, f := range hostile.Files() {
		t.Run(f.Name, func(t *testing.T) {
			code, ok := want[f.Name]
			if !ok {
				t.Fatalf("no expected finding for %s", f.Name)
			}
			path := filepath.Join("testdata", "hostile", f.Name)
			if !f.Small && testing.Short() {
				t.Skip("large; written at test time (not with -short)")
			}
			if !f.Small {
				path = filepath.Join(dir, f.Name)
				if err := f.Write(path); err != nil {
					t.Fatal(err)
				}
				defer os.Remove(path)
			}
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			runtime.GC()
			var (
				res       *Result
				fl        []finding.Finding
				took, cpu time.Duration
			)
			peak := peakHeap(func() {
				start, cpu0 := time.Now(), cpuTime()
				res, fl = ParseFile(context.Background(), path, f.Name, Options{})
				took, cpu = time.Since(start), cpuTime()-cpu0
			})
			t.Logf("%s: %v CPU, %v wall, peak heap %.1f MiB, findings %v", f.Name, cpu.Round(time.Millisecond), took.Round(time.Millisecond), float64(peak)/(1<<20), fl)
			if res == nil || !finding.List(fl).Has(code) {
				t.Errorf("findings %v, want %s", fl, code)
			}
			for _, x := range fl {
				if x.Code == CodeTimeout {
					t.Errorf("timed out: %v", x)
				}
			}
			if cpu > limit || took > hostileWall {
				t.Errorf("took %v CPU, %v wall; want ≤ %v CPU, ≤ %v wall", cpu, took, limit, hostileWall)
			}
			if peak > hostileHeapCeiling {
				t.Errorf("peak heap %.1f MiB, want ≤ %d MiB", float64(peak)/(1<<20), hostileHeapCeiling>>20)
			}
			if left, _ := os.ReadDir(tmp); len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}

// TestHostileSmallUpToDate: testdata/hostile holds what internal/hostile
// writes (regenerate: go run ./parsers/sheets/testdata/genhostile -small
// parsers/sheets/testdata/hostile).
func TestHostileSmallUpToDate(t *testing.T) {
	dir := t.TempDir()
	paths, err := hostile.WriteAll(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range paths {
		got, _ := os.ReadFile(p)
		want, err := os.ReadFile(filepath.Join("testdata", "hostile", name))
		if err != nil || string(got) != string(want) {
			t.Errorf("testdata/hostile/%s is out of date (%v)", name, err)
		}
	}
}
