package sheets

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// smallFixtures are real-sized tables as units send them: the 2026
// statistics template (as typed, reworded, laid out across, in .ods and
// .xls) and the recommendation lists.
var smallFixtures = []string{
	"stats_template.xlsx",
	"stats_variant.xlsx",
	"stats_transposed.xlsx",
	"stats_wps.xlsx",
	"stats_template.ods",
	"stats_template.xls",
	"recommend_2026.xlsx",
	"recommend_2024.xlsx",
	"recommend_long.xlsx",
}

// BenchmarkParseSmall parses each small fixture with ParseFile. For the
// .xlsx ones, the "excelize" sub-benchmark is the reference: opening the
// same file with excelize and reading every sheet's cells (no analysis).
func BenchmarkParseSmall(b *testing.B) {
	ctx := context.Background()
	for _, name := range smallFixtures {
		path := filepath.Join("testdata", name)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res, _ := ParseFile(ctx, path, name, Options{})
				if res.Kind == "" {
					b.Fatalf("%s: no table found", name)
				}
			}
		})
		if !strings.HasSuffix(name, ".xlsx") {
			continue
		}
		b.Run(name+"/excelize", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				f, err := excelize.OpenFile(path)
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for _, sh := range f.GetSheetList() {
					rows, err := f.GetRows(sh)
					if err != nil {
						b.Fatal(err)
					}
					n += len(rows)
				}
				f.Close()
				if n == 0 {
					b.Fatalf("%s: no rows", name)
				}
			}
		})
	}
}

// BenchmarkAnalyseSmall runs only the analysis (the statistics and
// recommendation readers) on the grids of the small fixtures, loaded once;
// each run works on a copy of the rows (the list reader lets go of them).
func BenchmarkAnalyseSmall(b *testing.B) {
	ctx := context.Background()
	for _, name := range smallFixtures {
		path := filepath.Join("testdata", name)
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		grids, _ := load(ctx, bytes.NewReader(data), int64(len(data)), name, Options{}.withDefaults())
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				gs := make([]*grid, len(grids))
				for i, g := range grids {
					c := *g
					c.rows = slices.Clone(g.rows)
					gs[i] = &c
				}
				var res Result
				analyse(gs, &res)
				if res.Kind == "" {
					b.Fatalf("%s: no table found", name)
				}
			}
		})
	}
}
