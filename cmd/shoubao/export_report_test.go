package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/shoubao/shoubao/pipeline/demo"
	"github.com/shoubao/shoubao/pipeline/export"
	"github.com/shoubao/shoubao/pipeline/rules"
)

// TestExportSumsWhatReportShows: in the merged statistics table, each
// unit's column holds the values `report --format json` shows for it
// (units[].stats), and 合计 adds them up, row by row.
func TestExportSumsWhatReportShows(t *testing.T) {
	dir := t.TempDir()
	if _, code := run(t, "demo", "--data-dir", dir); code != 0 {
		t.Fatalf("demo exited %d", code)
	}
	cfg := filepath.Join(dir, "shoubao.yaml")
	if err := os.WriteFile(cfg, []byte("data_dir: "+dir+"\ncampaigns:"+demo.CampaignYAML("127.0.0.1", 1143, "none")), 0o600); err != nil {
		t.Fatal(err)
	}
	out, code := run(t, "report", "--config", cfg, "--format", "json")
	if code != 0 {
		t.Fatal("report failed")
	}
	var st rules.State
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{} // unit → sum of its values
	withStats := 0
	for _, u := range st.Units {
		if u.Stats == nil {
			continue
		}
		withStats++
		for _, v := range u.Stats.Fields {
			if v.Value != nil {
				want[u.Name] += *v.Value
			}
		}
	}
	if withStats == 0 {
		t.Fatal("the report shows no unit's statistics")
	}
	exports := filepath.Join(dir, "exports")
	if _, code := run(t, "export", "--config", cfg, "--out", exports, "--only", "stats"); code != 0 {
		t.Fatal("export failed")
	}
	matches, _ := filepath.Glob(filepath.Join(exports, "统计汇总表-*.xlsx"))
	if len(matches) != 1 {
		t.Fatalf("exports: %v", matches)
	}
	f, err := excelize.OpenFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(export.SheetByUnit)
	if err != nil {
		t.Fatal(err)
	}
	// The header row names the units, then 合计.
	head, total := -1, -1
	for i, r := range rows {
		for j, c := range r {
			if strings.TrimSpace(c) == "合计" {
				head, total = i, j
			}
		}
		if head >= 0 {
			break
		}
	}
	if head < 0 {
		t.Fatalf("no 合计 column in %s", export.SheetByUnit)
	}
	col := map[string]int{}
	for j, c := range rows[head] {
		col[strings.TrimSpace(c)] = j
	}
	num := func(r []string, j int) float64 {
		if j >= len(r) {
			return 0
		}
		v, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(r[j]), ",", ""), 64)
		if err != nil {
			return 0
		}
		return v
	}
	got := map[string]float64{}
	for _, r := range rows[head+1:] {
		rowSum := 0.0
		for name := range want {
			j, ok := col[name]
			if !ok {
				t.Fatalf("no column for %s in %v", name, rows[head])
			}
			got[name] += num(r, j)
			rowSum += num(r, j)
		}
		if math.Abs(num(r, total)-rowSum) > 1e-9 {
			t.Errorf("row %v: 合计 %v, the units' values add up to %v", r[:min(2, len(r))], num(r, total), rowSum)
		}
	}
	for name, w := range want {
		if math.Abs(got[name]-w) > 1e-9 {
			t.Errorf("%s: column adds up to %v, report shows %v", name, got[name], w)
		}
	}
}
