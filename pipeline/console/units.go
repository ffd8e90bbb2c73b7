package console

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/mozillazg/go-pinyin"

	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/rules"
)

// unitsData is the 单位 page: every unit, filtered and sorted.
type unitsData struct {
	Filter, Sort string
	Filters      []choice
	Sorts        []choice
	Materials    []campaign.Material
	Rows         []unitRow
}

// choice is one filter or sort link.
type choice struct {
	Key, Label string
	N          int
}

type unitRow struct {
	U *rules.UnitState
	// Problems are those not accepted.
	Problems []rules.Problem
}

// unitFilters: the key, the label, and which units it keeps.
var unitFilters = []struct {
	key, label string
	keep       func(u *rules.UnitState, open int) bool
}{
	{"", "全部", func(*rules.UnitState, int) bool { return true }},
	{"not_submitted", "未报", func(u *rules.UnitState, _ int) bool { return u.Status == rules.NotSubmitted }},
	{"late", "逾期", func(u *rules.UnitState, _ int) bool { return u.Status == rules.CompleteLate }},
	{"incomplete", "材料不全", func(u *rules.UnitState, _ int) bool { return u.Status == rules.Incomplete }},
	{"problems", "有问题", func(_ *rules.UnitState, open int) bool { return open > 0 }},
	{"on_time", "按时报齐", func(u *rules.UnitState, _ int) bool { return u.Status == rules.CompleteOnTime }},
}

var unitSorts = []choice{{Key: "", Label: "名单顺序"}, {Key: "name", Label: "名称（拼音）"}, {Key: "status", Label: "状态"},
	{Key: "first", Label: "首次收到"}, {Key: "done", Label: "报齐时间"}}

var statusOrder = map[string]int{rules.NotSubmitted: 0, rules.Incomplete: 1, rules.CompleteLate: 2, rules.CompleteOnTime: 3}

func (c *Console) units(w http.ResponseWriter, r *http.Request, s *snapshot) {
	q := r.URL.Query()
	d := unitsData{Filter: q.Get("filter"), Sort: q.Get("sort"), Materials: s.c.Materials, Sorts: unitSorts}
	var all []unitRow
	for i := range s.st.Units {
		u := &s.st.Units[i]
		all = append(all, unitRow{U: u, Problems: openProblems(u.Problems)})
	}
	known := false
	for _, f := range unitFilters {
		ch := choice{Key: f.key, Label: f.label}
		for _, row := range all {
			if f.keep(row.U, len(row.Problems)) {
				ch.N++
				if f.key == d.Filter {
					d.Rows = append(d.Rows, row)
				}
			}
		}
		known = known || f.key == d.Filter
		d.Filters = append(d.Filters, ch)
	}
	if !known {
		d.Filter, d.Rows = "", all
	}
	sortUnits(d.Rows, d.Sort)
	c.render(w, r, http.StatusOK, "units", c.page(w, r, s, "单位", "units", d))
}

func openProblems(ps []rules.Problem) []rules.Problem {
	var out []rules.Problem
	for _, p := range ps {
		if !p.Accepted {
			out = append(out, p)
		}
	}
	return out
}

func sortUnits(rows []unitRow, by string) {
	// Units that have not sent anything go last when sorting by a time.
	at := func(t time.Time) time.Time {
		if t.IsZero() {
			return time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		return t
	}
	switch by {
	case "name":
		keys := map[string]string{}
		for _, row := range rows {
			keys[row.U.Name] = pinyinKey(row.U.Name)
		}
		slices.SortStableFunc(rows, func(a, b unitRow) int { return strings.Compare(keys[a.U.Name], keys[b.U.Name]) })
	case "status":
		slices.SortStableFunc(rows, func(a, b unitRow) int { return statusOrder[a.U.Status] - statusOrder[b.U.Status] })
	case "first":
		slices.SortStableFunc(rows, func(a, b unitRow) int { return at(a.U.FirstArrival).Compare(at(b.U.FirstArrival)) })
	case "done":
		slices.SortStableFunc(rows, func(a, b unitRow) int { return at(a.U.CompletedAt).Compare(at(b.U.CompletedAt)) })
	}
}

var pinyinArgs = func() pinyin.Args {
	a := pinyin.NewArgs()
	a.Style = pinyin.Tone3
	a.Fallback = func(r rune, _ pinyin.Args) []string { return []string{string(r)} }
	return a
}()

// pinyinKey orders Chinese names as a dictionary does: by their pinyin.
func pinyinKey(name string) string {
	return strings.Join(pinyin.LazyPinyin(name, pinyinArgs), " ")
}
