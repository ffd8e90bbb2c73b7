package sheets

import (
	"context"
	"io"
	"os"

	"github.com/shoubao/shoubao/parsers/finding"
)

// Parse reads the tables in the file held by r (size bytes): .xlsx/.xlsm
// and .ods (streamed), .xls and WPS .et (BIFF8), delimited text (.csv), and
// tables in .docx. name is the file's decoded name; its extension decides
// the format only when the content's magic bytes do not. Every sheet is
// read, hidden ones too; a hidden sheet's table is used only when no
// visible sheet holds a filled one.
//
// It never fails on bad input: a file it cannot read gives an empty
// Result and a needs_manual_review finding.
func Parse(ctx context.Context, r io.ReaderAt, size int64, name string, opts Options) (*Result, []finding.Finding) {
	return parseWith(ctx, opts, func(ctx context.Context, opts Options) ([]*grid, finding.List) {
		return load(ctx, r, size, name, opts)
	})
}

// ParseFile is Parse for the file at path; a file that cannot be opened
// gives a needs_manual_review finding.
func ParseFile(ctx context.Context, path, name string, opts Options) (*Result, []finding.Finding) {
	return parseWith(ctx, opts, func(ctx context.Context, opts Options) ([]*grid, finding.List) {
		var fl finding.List
		f, err := os.Open(path)
		if err != nil {
			fl.Add(CodeManualReview, "无法打开文件，需人工核查（%v）", err)
			return nil, fl
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			fl.Add(CodeManualReview, "无法读取文件，需人工核查（%v）", err)
			return nil, fl
		}
		return load(ctx, f, st.Size(), name, opts)
	})
}

// parseWith runs load under opts.Timeout and finds the tables in the grids
// it read.
func parseWith(ctx context.Context, opts Options, load func(context.Context, Options) ([]*grid, finding.List)) (*Result, []finding.Finding) {
	opts = opts.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	grids, fl := load(ctx, opts)
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
