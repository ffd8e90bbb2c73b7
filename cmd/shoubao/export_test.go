package main

import (
	"archive/zip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/shoubao/shoubao/pipeline/demo"
	"github.com/shoubao/shoubao/pipeline/export"
	"github.com/shoubao/shoubao/pipeline/rules"
)

// TestExport exports the demo's record as an officer would: the four
// files, named by campaign and date, then only some of them; and the
// usage errors.
func TestExport(t *testing.T) {
	dir := t.TempDir()
	if _, code := run(t, "demo", "--data-dir", dir); code != 0 {
		t.Fatalf("demo exited %d", code)
	}
	cfg := filepath.Join(dir, "shoubao.yaml")
	if err := os.WriteFile(cfg, []byte("data_dir: "+dir+"\ncampaigns:"+demo.CampaignYAML("127.0.0.1", 1143, filepath.Join(dir, "none"))), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "导出")
	stdout, code := run(t, "export", "--config", cfg, "--out", out)
	if code != 0 {
		t.Fatalf("export exited %d: %s", code, stdout)
	}
	names := export.Names(demo.CampaignID, time.Now())
	// Not a terminal: one closing line naming the files and the folder.
	if lines := strings.Split(strings.TrimSpace(stdout), "\n"); len(lines) != 1 ||
		!strings.Contains(stdout, "shoubao export "+demo.CampaignID+": 12 units, 1 statistics tables summed") ||
		!strings.Contains(stdout, names.Files) || !strings.Contains(stdout, out) {
		t.Errorf("output:\n%s", stdout)
	}
	for _, n := range []string{names.Stats, names.Recommend, names.List, names.Files} {
		if _, err := os.Stat(filepath.Join(out, n)); err != nil {
			t.Error(err)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(out, ".*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}

	// The statistics: 气象局's table is the only one; the report's JSON
	// says which file the rules count.
	rep, _ := run(t, "report", "--config", cfg, "--format", "json")
	var st rules.State
	if err := json.Unmarshal([]byte(rep), &st); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(filepath.Join(out, names.Stats))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(export.SheetSources)
	f.Close()
	for i, u := range st.Units {
		row := rows[2+i]
		if row[1] != u.Name {
			t.Errorf("sources row %d: %q", i, row)
		}
		if u.Name == "晋城市气象局" && (row[3] != "已计入" || !strings.Contains(row[4], "统计表（市气象局）.xlsx")) {
			t.Errorf("气象局: %q", row)
		}
	}
	// The zip holds every unit that sent a usable file.
	zr, err := zip.OpenReader(filepath.Join(out, names.Files))
	if err != nil {
		t.Fatal(err)
	}
	folders := map[string]bool{}
	for _, zf := range zr.File {
		if i := strings.Index(zf.Name, "/"); i > 0 {
			folders[zf.Name[:i]] = true
		}
	}
	zr.Close()
	for _, u := range st.Units {
		if sent := u.Status != rules.NotSubmitted; sent != folders[u.Name] {
			t.Errorf("%s (%s): folder in the zip %v", u.Name, u.Status, folders[u.Name])
		}
	}

	// Only the tables: no bus needed.
	out2 := t.TempDir()
	if _, code := run(t, "export", "--config", cfg, "--out", out2, "--only", "stats, list"); code != 0 {
		t.Fatalf("export --only exited %d", code)
	}
	got, _ := filepath.Glob(filepath.Join(out2, "*"))
	if len(got) != 2 {
		t.Errorf("--only stats,list wrote %v", got)
	}

	for _, args := range [][]string{
		{"export", "--config", cfg},
		{"export", "--config", cfg, "--out", out2, "--only", "pdf"},
		{"export", "--config", cfg, "--out", out2, "--campaign", "nope"},
		{"export", "--out", out2},
	} {
		if _, code := run(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// TestDemoExport: `shoubao demo --export DIR` writes the exports and names
// the folder.
func TestDemoExport(t *testing.T) {
	out := t.TempDir()
	stdout, code := run(t, "demo", "--export", out)
	if code != 0 {
		t.Fatalf("demo exited %d", code)
	}
	if !strings.Contains(stdout, "shoubao export "+demo.CampaignID+":") || !strings.Contains(stdout, out) {
		t.Errorf("demo output does not name the exports:\n%s", stdout)
	}
	got, _ := filepath.Glob(filepath.Join(out, "*"))
	if len(got) != 4 {
		t.Errorf("demo --export wrote %v", got)
	}
}
