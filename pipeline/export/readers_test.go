package export

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/shoubao/shoubao/parsers/sheets"
	"github.com/shoubao/shoubao/pipeline/report"
	"github.com/shoubao/shoubao/pipeline/rules"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// needTool returns the path of an outside reader, skipping the test when
// it is not installed (failing with SHOUBAO_REQUIRE_SERVICES=1, as
// deploy/test.sh sets after installing it).
func needTool(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("SHOUBAO_REQUIRE_SERVICES") == "1" {
			t.Fatalf("%s is required (Debian package %s; deploy/test.sh installs it)", name, pkg)
		}
		t.Skipf("%s not installed (Debian package %s; deploy/test.sh installs it): the check by a real reader is skipped", name, pkg)
	}
	return p
}

var (
	loMu      sync.Mutex
	loProfile string
)

// libreOffice opens an .xlsx in LibreOffice (headless) and returns every
// sheet as CSV rows: the values as stored, or, with recalc, after
// LibreOffice recalculated every formula on load.
func libreOffice(t *testing.T, path string, recalc bool) map[string][][]string {
	t.Helper()
	soffice := needTool(t, "soffice", "libreoffice-calc")
	loMu.Lock()
	defer loMu.Unlock()
	if loProfile == "" {
		dir, err := os.MkdirTemp("", "shoubao-lo-")
		if err != nil {
			t.Fatal(err)
		}
		loProfile = dir
	}
	mode := "1" // never recalculate: the stored results
	if recalc {
		mode = "0" // always
	}
	profile := filepath.Join(loProfile, "recalc"+mode)
	if err := os.MkdirAll(filepath.Join(profile, "user"), 0o755); err != nil {
		t.Fatal(err)
	}
	xcu := `<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>` + mode + `</value></prop></item>
</oor:items>`
	if err := os.WriteFile(filepath.Join(profile, "user", "registrymodifications.xcu"), []byte(xcu), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	// Comma, quote, UTF-8, from line 1, raw values (not as shown), all
	// sheets (one file each).
	cmd := exec.Command(soffice, "-env:UserInstallation=file://"+profile, "--headless", "--convert-to",
		"csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1", "--outdir", out, path)
	cmd.Env = append(os.Environ(), "HOME="+loProfile)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, b)
	}
	sheets := map[string][][]string{}
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	files, _ := filepath.Glob(filepath.Join(out, "*.csv"))
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), base+"-"), ".csv")
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		r := csv.NewReader(fh)
		r.FieldsPerRecord = -1
		rows, err := r.ReadAll()
		fh.Close()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		sheets[name] = rows
	}
	if len(sheets) == 0 {
		t.Fatalf("soffice wrote no CSV for %s", path)
	}
	return sheets
}

// cellAt returns a CSV cell ("" outside the rows).
func cellAt(rows [][]string, row, col int) string {
	if row-1 < len(rows) && col-1 < len(rows[row-1]) {
		return rows[row-1][col-1]
	}
	return ""
}

// oracle is what `shoubao report --format json` and the stored facts say,
// read independently of the export's own choices: each unit's final
// statistics table and recommendation list are the stored details of the
// last usable table file of its counting, non-superseded messages in the
// report JSON.
type oracle struct {
	state *rules.State
	stats map[string]*sheets.Stats
	lists map[string]*sheets.Recommend
}

func (fx *fixture) oracle(t *testing.T) *oracle {
	t.Helper()
	ctx := context.Background()
	st, err := report.Compute(ctx, fx.store, &fx.camp, fxNow)
	if err != nil {
		t.Fatal(err)
	}
	// Through the JSON, as an outside reader gets it.
	var doc bytesBuffer
	if err := report.WriteJSON(&doc, st, true); err != nil {
		t.Fatal(err)
	}
	var state rules.State
	if err := json.Unmarshal(doc.b, &state); err != nil {
		t.Fatal(err)
	}
	rows, err := fx.store.Facts(ctx, fx.camp.ID)
	if err != nil {
		t.Fatal(err)
	}
	details := map[string]struct {
		Stats     *sheets.Stats     `json:"stats"`
		Recommend *sheets.Recommend `json:"recommend"`
	}{}
	for _, r := range rows {
		for _, a := range r.Attachments {
			if len(a.Details) > 0 {
				d := details[a.SHA256]
				_ = json.Unmarshal(a.Details, &d)
				details[a.SHA256] = d
			}
		}
	}
	o := &oracle{state: &state, stats: map[string]*sheets.Stats{}, lists: map[string]*sheets.Recommend{}}
	for _, u := range state.Units {
		for _, m := range u.Messages {
			if !m.Category.Counts() || m.Superseded {
				continue
			}
			for _, f := range m.Files {
				if f.Usable == nil || !*f.Usable {
					continue
				}
				d := details[f.SHA256]
				if f.Kind == "stats_table" && d.Stats != nil {
					o.stats[u.Name] = d.Stats
				}
				if d.Recommend != nil && len(d.Recommend.Rows) > 0 {
					o.lists[u.Name] = d.Recommend
				}
			}
		}
	}
	return o
}

type bytesBuffer struct{ b []byte }

func (w *bytesBuffer) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }
