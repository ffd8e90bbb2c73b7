package notice

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/shoubao/shoubao/parsers/docx"
	"github.com/shoubao/shoubao/parsers/finding"
)

// docxText reads the text of a .docx notice: each paragraph on its own
// line, each table row on its own line with its cells separated by tabs,
// laid on the table's grid so a column (推荐单位) stays a column even where
// cells are merged.
func docxText(ctx context.Context, r io.ReaderAt, size int64) (string, []finding.Finding, error) {
	d, fs, err := docx.Read(ctx, r, size, docx.Options{})
	if err != nil {
		return "", fs, fmt.Errorf("docx text: %w", err)
	}
	if d == nil {
		return "", fs, nil
	}
	cell := strings.NewReplacer("\r\n", " ", "\n", " ", "\t", " ")
	var b strings.Builder
	for _, bl := range d.Blocks {
		if bl.Table == nil {
			b.WriteString(bl.Paragraph)
			b.WriteByte('\n')
			continue
		}
		for _, row := range bl.Table.Grid() {
			for i, c := range row {
				if i > 0 {
					b.WriteByte('\t')
				}
				b.WriteString(cell.Replace(c))
			}
			b.WriteByte('\n')
		}
		b.WriteByte('\n')
	}
	return b.String(), fs, nil
}
