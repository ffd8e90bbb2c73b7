// Package sheets reads the two tables units submit: the statistics table
// (开展情况统计表) and the recommendation list (特色活动推荐表 / 推荐清单),
// from .xlsx, .xls, .et and Word tables.
//
// Fields of the statistics table are found by their labels, not by cell
// positions, so inserted or deleted rows, renamed labels and shifted
// values still read; values are read as people type them ("1,200", "3万",
// "约500", "三"). The recommendation list is found by its header row.
package sheets

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/shoubao/shoubao/parsers/finding"
)

// Value is one statistics field as the unit filled it in.
type Value struct {
	// Value is the number read, scaled to the row's unit; nil when the cell
	// was not filled (blank, 无, /, -) or could not be read.
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

// Finding codes of ParseFile (besides those of package docx).
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

// Result is what ParseFile found in a file.
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

// Options bounds ParseFile. Zero fields take the defaults.
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

// ParseFile reads the tables in the file at path: .xlsx/.xlsm (streamed),
// .xls and WPS .et (BIFF8), and tables in .docx. name is the file's
// decoded name; its extension decides the format only when the content's
// magic bytes do not. Every sheet is read, hidden ones too.
//
// It never fails on bad input: a file it cannot read gives an empty
// Result and a needs_manual_review finding.
func ParseFile(ctx context.Context, path, name string, opts Options) (*Result, []finding.Finding) {
	opts = opts.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	grids, fl := load(ctx, path, name, opts)
	switch ctx.Err() {
	case nil:
	case context.DeadlineExceeded:
		fl.Add(CodeTimeout, "读取表格超时（上限 %s），结果可能不完整", opts.Timeout)
	default:
		fl.Add(CodeTimeout, "读取表格被中止，结果可能不完整")
	}
	res := &Result{}
	fl = append(fl, analyse(grids, res)...)
	if res.Kind == "" && len(grids) > 0 && grids[0].text && !fl.Has(CodeManualReview) {
		fl.Add(CodeManualReview, "文件是文本表格（CSV），但其中没有找到统计表或推荐表（按项目名称和表头查找），需人工核查")
	}
	return res, fl
}

// matcherOnce builds the label matcher once; it is read-only afterwards.
var matcherOnce = sync.OnceValue(newMatcher)

// analyse finds the statistics table and the recommendation lists among
// the grids.
func analyse(grids []*grid, res *Result) finding.List {
	var fl finding.List
	m := matcherOnce()
	var best *statsRead
	var bestGrid *grid
	var filledTables []string
	for _, g := range grids {
		sr := readStats(g, m)
		if sr.matched < minStatsFields {
			continue
		}
		if sr.filled > 0 {
			filledTables = append(filledTables, "“"+g.name+"”")
		}
		if best == nil || sr.filled > best.filled || sr.filled == best.filled && sr.matched > best.matched {
			best, bestGrid = sr, g
		}
	}
	if best != nil {
		res.Kind = KindStats
		res.Stats = best.stats
		fl = append(fl, best.fl...)
		if len(filledTables) > 1 {
			fl.Add("stats_multiple_tables", "文件中有 %d 个填写了数字的统计表（%s），已采用“%s”", len(filledTables), strings.Join(filledTables, "、"), bestGrid.name)
		}
		if bestGrid.hidden {
			fl.Add("table_in_hidden_sheet", "统计表位于隐藏的工作表“%s”中", bestGrid.name)
		}
	}
	var lists []*Recommend
	for _, g := range grids {
		rr := readRecommend(g)
		if rr == nil {
			continue
		}
		lists = append(lists, rr.rec)
		fl = append(fl, rr.fl...)
		if g.hidden {
			fl.Add("table_in_hidden_sheet", "推荐表位于隐藏的工作表“%s”中", g.name)
		}
	}
	if len(lists) > 0 {
		res.Recommend = MergeRecommend(lists)
		if res.Kind == "" {
			res.Kind = KindRecommend
		}
	}
	return fl
}
