package export

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/shoubao/shoubao/pipeline/report"
	"github.com/shoubao/shoubao/pipeline/rules"
)

// textBlocks splits `shoubao report`'s text into each unit's line and the
// indented lines under it.
func textBlocks(text string, units []rules.UnitState) map[string][]string {
	blocks := map[string][]string{}
	cur := ""
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, " ") {
			if cur != "" {
				blocks[cur] = append(blocks[cur], strings.TrimSpace(line))
			}
			continue
		}
		cur = ""
		for _, u := range units {
			if strings.HasPrefix(line, u.Name+" ") {
				cur = u.Name
				blocks[cur] = []string{line}
			}
		}
	}
	return blocks
}

// TestListExport: the 报送情况 sheet says what `shoubao report` says,
// unit by unit: status, first arrival, materials received, what is
// missing, the problems.
func TestListExport(t *testing.T) {
	fx := newFixture(t)
	c, o := fx.load(t), fx.oracle(t)
	path := writeFile(t, t.TempDir(), "一览表.xlsx", func(f *os.File) error { return WriteList(f, c) })
	var text bytes.Buffer
	if err := report.WriteText(&text, o.state); err != nil {
		t.Fatal(err)
	}
	blocks := textBlocks(text.String(), o.state.Units)

	check := func(who string, rows [][]string) {
		t.Helper()
		for k, col := range ListColumns {
			if got := cellAt(rows, 3, k+1); got != col {
				t.Errorf("%s: header %d %q, want %q", who, k+1, got, col)
			}
		}
		if !strings.Contains(cellAt(rows, 2, 1), "应报 6 个单位：已报 5（按时报齐 3，逾期报齐 0，材料不全 2），未报 1") {
			t.Errorf("%s: summary %q", who, cellAt(rows, 2, 1))
		}
		for i, u := range o.state.Units {
			r := 4 + i
			block := blocks[u.Name]
			if len(block) == 0 {
				t.Fatalf("no line for %s in the text report:\n%s", u.Name, text.String())
			}
			line := block[0]
			get := func(col string) string {
				for k, c := range ListColumns {
					if c == col {
						return cellAt(rows, r, k+1)
					}
				}
				return ""
			}
			if get("单位") != u.Name || get("序号") != strconv.Itoa(i+1) {
				t.Errorf("%s: row %d: %q %q", who, r, get("序号"), get("单位"))
			}
			if !strings.Contains(line, rules.StatusLabel(u.Status)) || !strings.HasPrefix(get("状态"), rules.StatusLabel(u.Status)) {
				t.Errorf("%s: %s: status %q, text %q", who, u.Name, get("状态"), line)
			}
			// The text shows MM-DD HH:MM; the table the whole date.
			if first := get("首次收到"); first != "" && !strings.Contains(line, first[5:]) || first == "" && !u.FirstArrival.IsZero() {
				t.Errorf("%s: %s: first arrival %q, text %q", who, u.Name, first, line)
			}
			if recv := get("已收材料"); !strings.HasSuffix(strings.TrimSpace(line), recv) {
				t.Errorf("%s: %s: received %q, text %q", who, u.Name, recv, line)
			}
			var missing string
			var problems []string
			for _, l := range block[1:] {
				if m, ok := strings.CutPrefix(l, "缺少："); ok {
					missing = m
				}
				if p, ok := strings.CutPrefix(l, "问题："); ok {
					problems = append(problems, p)
				}
			}
			if get("缺少") != missing {
				t.Errorf("%s: %s: missing %q, text %q", who, u.Name, get("缺少"), missing)
			}
			if got := get("问题"); got != strings.Join(problems, "\n") {
				t.Errorf("%s: %s: problems\n%q\ntext\n%q", who, u.Name, got, strings.Join(problems, "\n"))
			}
			if u.CompletedAt.IsZero() != (get("报齐时间") == "") {
				t.Errorf("%s: %s: completed %q", who, u.Name, get("报齐时间"))
			}
		}
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(SheetList, excelize.Options{RawCellValue: true})
	check("excelize", rows)
	files, _ := f.GetRows(SheetFiles)
	n := 0
	for _, u := range c.Units {
		n += len(u.Files) + len(u.Links)
	}
	if len(files)-3 != n {
		t.Errorf("%s: %d rows, want %d", SheetFiles, len(files)-3, n)
	}
	pending, _ := f.GetRows(SheetPending)
	if len(pending) != 4 || !strings.Contains(strings.Join(pending[3], "|"), "13912345678@qq.com") {
		t.Errorf("%s: %q", SheetPending, pending)
	}
	lo := libreOffice(t, path, false)
	check("LibreOffice", lo[SheetList])
	golden(t, "list.golden", dump(t, path))
}
