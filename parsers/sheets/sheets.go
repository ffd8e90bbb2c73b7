// Package sheets reads the two tables units submit: the statistics table
// (开展情况统计表) and the recommendation list (特色活动推荐表 / 推荐清单),
// from .xlsx, .xls, .et, .ods, .csv and Word tables.
//
// Fields of the statistics table are found by their labels, not by cell
// positions, so inserted or deleted rows, renamed labels and shifted
// values still read; values are read as people type them ("1,200", "3万",
// "约500", "三"). The recommendation list is found by its header row.
package sheets

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/shoubao/shoubao/parsers/finding"
)

// Value is one statistics field as the unit filled it in.
type Value struct {
	// Value is the number read, scaled to the row's unit: 0 when the cell
	// says "none" (无, /, -, —); nil when it is blank or could not be read.
	Value *float64 `json:"value"`
	// Raw is the cell's text as typed.
	Raw string `json:"raw"`
}

// Stats is a statistics table read from a file. Its JSON form is part of the
// public `shoubao probe --json` format.
type Stats struct {
	// Unit is the reporting unit from the "部门/地方（盖章）：…" line.
	Unit string `json:"unit"`
	// Fields is keyed by the template's Chinese labels.
	Fields map[string]Value `json:"fields"`
	// UnknownRows are labelled rows that match no template field.
	UnknownRows []string `json:"unknown_rows"`
}

// Recommend is a recommendation list read from a file. Its JSON form is part
// of the public `shoubao probe --json` format.
type Recommend struct {
	// Columns are the header's column names in file order.
	Columns []string `json:"columns"`
	// Rows are the data rows keyed by column name.
	Rows []map[string]string `json:"rows"`
}

// Kinds of table a file holds, for Result.Kind.
const (
	KindStats     = "stats_table"
	KindRecommend = "recommend_table"
)

// Finding codes of Parse (besides those of package docx).
const (
	// CodeManualReview: the file could not be read automatically (legacy
	// .doc, encrypted, damaged, unknown format, too large): an officer must
	// look at it.
	CodeManualReview = "needs_manual_review"
	// CodeTruncated: a sheet exceeded a row or cell limit; only its first
	// part was read.
	CodeTruncated = "sheet_truncated"
	// CodeTimeout: reading took longer than Options.Timeout.
	CodeTimeout = "sheet_timeout"
)

// Result is what Parse found in a file.
type Result struct {
	// Kind is KindStats when a statistics table was found, else
	// KindRecommend when a recommendation list was, else "".
	Kind string `json:"kind"`
	// Stats is the statistics table, or nil.
	Stats *Stats `json:"stats,omitempty"`
	// Recommend is the recommendation list (all lists of the file
	// merged), or nil.
	Recommend *Recommend `json:"recommend,omitempty"`
}

// Default limits, used for zero fields of Options.
const (
	DefaultMaxFileBytes         = 64 << 20
	DefaultMaxUncompressedBytes = 256 << 20
	DefaultMaxRows              = 100_000
	DefaultMaxCells             = 2_000_000
	DefaultTimeout              = 2 * time.Minute
)

// Options bounds Parse. Zero fields take the defaults.
type Options struct {
	// MaxFileBytes: larger files are not read (needs_manual_review).
	MaxFileBytes int64
	// MaxUncompressedBytes bounds what is unzipped from an .xlsx/.docx
	// and the workbook stream of an .xls.
	MaxUncompressedBytes int64
	// MaxRows bounds the rows read per sheet.
	MaxRows int
	// MaxCells bounds the cells read over all sheets.
	MaxCells int
	// Timeout bounds the whole call.
	Timeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = DefaultMaxFileBytes
	}
	if o.MaxUncompressedBytes <= 0 {
		o.MaxUncompressedBytes = DefaultMaxUncompressedBytes
	}
	if o.MaxRows <= 0 {
		o.MaxRows = DefaultMaxRows
	}
	if o.MaxCells <= 0 {
		o.MaxCells = DefaultMaxCells
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	return o
}

// maxAcrossRows: a statistics table laid out across (labels in a row,
// values below) is short; longer sheets are not read turned over.
const maxAcrossRows = 40

// matcherOnce builds the label matcher once; it is read-only afterwards.
var matcherOnce = sync.OnceValue(newMatcher)

// analyse finds the statistics table and the recommendation lists among
// the grids. Visible sheets come first: a table in a hidden sheet is used
// only when no visible sheet holds a filled one (table_in_hidden_sheet),
// and a hidden table that differs from the visible one used is reported
// (hidden_sheet_differs).
func analyse(grids []*grid, res *Result) finding.List {
	var fl finding.List
	m := matcherOnce()
	type statsCand struct {
		sr *statsRead
		g  *grid
	}
	var cands []statsCand
	for _, g := range grids {
		sr := readStats(g, m)
		if sr.matched < minStatsFields {
			// A table laid out across: labels in a row, values below.
			if len(g.rows) > maxAcrossRows {
				continue
			}
			tr := readStats(g.transpose(), m)
			if tr.matched < minStatsFields {
				continue
			}
			sr = tr
			if sr.stats.Unit == "" {
				sr.stats.Unit = unitOf(g)
				if sr.stats.Unit != "" {
					sr.fl = slices.DeleteFunc(sr.fl, func(f finding.Finding) bool { return f.Code == "stats_unit_missing" })
				}
			}
		}
		cands = append(cands, statsCand{sr, g})
	}
	pick := func(hidden bool) *statsCand {
		var best *statsCand
		for i := range cands {
			c := &cands[i]
			if c.g.hidden != hidden {
				continue
			}
			if best == nil || c.sr.filled > best.sr.filled || c.sr.filled == best.sr.filled && c.sr.matched > best.sr.matched {
				best = c
			}
		}
		return best
	}
	visible, hidden := pick(false), pick(true)
	use := visible
	if hidden != nil && (visible == nil || visible.sr.filled == 0 && hidden.sr.filled > 0) {
		use = hidden
	}
	if use != nil {
		res.Kind = KindStats
		res.Stats = use.sr.stats
		fl = append(fl, use.sr.fl...)
		var filledTables []string
		for _, c := range cands {
			if c.g.hidden == use.g.hidden && c.sr.filled > 0 {
				filledTables = append(filledTables, "“"+c.g.name+"”")
			}
		}
		if len(filledTables) > 1 {
			fl.Add("stats_multiple_tables", "文件中有 %d 个填写了数字的统计表（%s），已采用“%s”", len(filledTables), strings.Join(filledTables, "、"), use.g.name)
		}
		if use.g.hidden {
			fl.Add("table_in_hidden_sheet", "统计表位于隐藏的工作表“%s”中（可见的工作表中没有填写的统计表），已采用", use.g.name)
		} else {
			for _, c := range cands {
				if !c.g.hidden || c.sr.filled == 0 {
					continue
				}
				if n, example := statsDiffer(use.sr.stats, c.sr.stats); n > 0 {
					fl.Add("hidden_sheet_differs", "隐藏的工作表“%s”中另有一份统计表，与采用的“%s”有 %d 项不同（如%s），已采用可见的工作表，请核对", c.g.name, use.g.name, n, example)
				}
			}
		}
	}

	var visLists, hidLists []listRead
	visRows, hidRows := 0, 0
	for _, g := range grids {
		rr := readRecommend(g)
		if rr == nil {
			continue
		}
		if g.hidden {
			hidLists = append(hidLists, listRead{rr, g})
			hidRows += len(rr.rec.Rows)
		} else {
			visLists = append(visLists, listRead{rr, g})
			visRows += len(rr.rec.Rows)
		}
	}
	used := visLists
	switch {
	case visRows > 0:
		var vis []*Recommend
		for _, l := range visLists {
			vis = append(vis, l.rec())
		}
		for _, l := range hidLists {
			if len(l.rr.rec.Rows) > 0 {
				if n := listDiffer(vis, l.rr.rec); n > 0 {
					fl.Add("hidden_sheet_differs", "隐藏的工作表“%s”中另有一份推荐表，其中 %d 条活动与可见的工作表不同，已采用可见的工作表，请核对", l.g.name, n)
				}
			}
		}
	case hidRows > 0:
		used = nil
		for _, l := range hidLists {
			if len(l.rr.rec.Rows) > 0 {
				used = append(used, l)
				fl.Add("table_in_hidden_sheet", "推荐表位于隐藏的工作表“%s”中（可见的工作表中没有填写的推荐表），已采用", l.g.name)
			}
		}
	default:
		used = append(used, hidLists...)
	}
	if len(used) > 0 {
		var lists []*Recommend
		for _, l := range used {
			lists = append(lists, l.rec())
			fl = append(fl, l.rr.fl...)
		}
		res.Recommend = MergeRecommend(lists)
		if res.Kind == "" {
			res.Kind = KindRecommend
		}
	}
	return fl
}

// statsDiffer counts the fields whose values differ between two tables
// (a field in only one counts when it holds a value) and describes the
// first.
func statsDiffer(a, b *Stats) (int, string) {
	n, example := 0, ""
	for _, f := range templateFields {
		va, vb := a.Fields[f.Label], b.Fields[f.Label]
		if sameValue(va.Value, vb.Value) {
			continue
		}
		n++
		if example == "" {
			example = fmt.Sprintf("“%s”：%s 与 %s", f.Label, shown(va), shown(vb))
		}
	}
	return n, example
}

func sameValue(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// shown writes a value for a message: its text as typed, or 空.
func shown(v Value) string {
	if strings.TrimSpace(v.Raw) == "" {
		return "空"
	}
	return v.Raw
}

// listDiffer counts the rows of list h found in none of the lists vis.
func listDiffer(vis []*Recommend, h *Recommend) int {
	seen := map[string]bool{}
	for _, l := range vis {
		for _, row := range l.Rows {
			seen[rowKey(row)] = true
		}
	}
	n := 0
	for _, row := range h.Rows {
		if !seen[rowKey(row)] {
			n++
		}
	}
	return n
}

// rowKey identifies a list row by its activity and recommending unit.
func rowKey(row map[string]string) string {
	name := row[colName]
	if name == "" {
		name = row[colActivity]
	}
	return squeeze(name) + "\x00" + squeeze(row[colRecommender])
}

// listRead is a recommendation list read from a grid.
type listRead struct {
	rr *recommendRead
	g  *grid
}

// rec is the list read.
func (l listRead) rec() *Recommend { return l.rr.rec }
