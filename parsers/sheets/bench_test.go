package sheets

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// benchRows is the size of the generated recommendation list.
const benchRows = 50_000

// writeBenchList writes a 2026-style recommendation list of n rows with
// excelize's stream writer.
func writeBenchList(tb testing.TB, path string, n int) {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		tb.Fatal(err)
	}
	header := []any{"序号", "活动名称", "活动内容简介", "举办时间", "举办地点", "承办单位", "依托基地", "推荐单位", "联系人", "联系电话"}
	if err := sw.SetRow("A1", header); err != nil {
		tb.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		row := []any{
			i,
			fmt.Sprintf("科普活动第%d项", i),
			"组织开展科学家精神宣讲活动，以科艺融合为特色，将科学家精神与文化艺术相融相通。",
			"5月下旬至6月上旬",
			"晋城市图书馆",
			"晋城市科学技术协会",
			"晋城市图书馆山西省科普基地",
			"晋城市科学技术局",
			"张三",
			fmt.Sprintf("138%08d", i),
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, row); err != nil {
			tb.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		tb.Fatal(err)
	}
}

// peakHeap samples the live heap while fn runs and returns the highest
// value seen.
func peakHeap(fn func()) uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	fn()
	close(done)
	return peak.Load()
}

// BenchmarkParseRecommend50k parses a generated 50,000-row list. Set
// SHEETS_BENCH_KEEP to a path to keep the generated file for reference
// tools (see bench.sh).
func BenchmarkParseRecommend50k(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.xlsx")
	writeBenchList(b, path, benchRows)
	if keep := os.Getenv("SHEETS_BENCH_KEEP"); keep != "" {
		copyFile(b, path, keep)
	}
	ctx := context.Background()
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	var peak uint64
	for b.Loop() {
		p := peakHeap(func() {
			res, fl := ParseFile(ctx, path, "bench.xlsx", Options{})
			if res.Recommend == nil || len(res.Recommend.Rows) != benchRows || len(fl) != 0 {
				b.Fatalf("rows = %v, findings %v", res.Recommend, fl)
			}
		})
		peak = max(peak, p)
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

func copyFile(tb testing.TB, from, to string) {
	tb.Helper()
	in, err := os.Open(from)
	if err != nil {
		tb.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		tb.Fatal(err)
	}
	if err := out.Close(); err != nil {
		tb.Fatal(err)
	}
}

// TestParseBenchFile parses the file named by SHEETS_BENCH_FILE once and
// prints the rows read and the time taken, for bench.sh to measure a
// process that does nothing else (its max RSS is the parse's).
func TestParseBenchFile(t *testing.T) {
	path := os.Getenv("SHEETS_BENCH_FILE")
	if path == "" {
		t.Skip("set SHEETS_BENCH_FILE (bench.sh does)")
	}
	start := time.Now()
	res, fl := ParseFile(context.Background(), path, filepath.Base(path), Options{})
	took := time.Since(start)
	if res.Recommend == nil || len(fl) != 0 {
		t.Fatalf("result %v, findings %v", res.Kind, fl)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("parsed %d rows in %.3f s (%.0f rows/s); heap in use %.1f MiB, GC cycles %d\n",
		len(res.Recommend.Rows), took.Seconds(), float64(len(res.Recommend.Rows))/took.Seconds(), float64(ms.HeapInuse)/(1<<20), ms.NumGC)
	runtime.KeepAlive(res)
}
