package inspect

import (
	"context"
	"io"

	"github.com/shoubao/shoubao/parsers/archive"
	"github.com/shoubao/shoubao/parsers/filekind"
	"github.com/shoubao/shoubao/parsers/finding"
)

// archive lists and inspects the members of an archive file; nested
// archives are expanded up to Limits.MaxArchiveDepth, all within one
// expansion budget per input.
func (in *inspector) archive(ctx context.Context, n *Node, p *part, format string, depth, archDepth int) error {
	if archDepth >= in.lim.MaxArchiveDepth || depth >= in.lim.MaxDepth {
		n.Findings = append(n.Findings, finding.New("archive_too_deep",
			"压缩包 %s 嵌套过深（超过 %d 层），未解压", n.Name, in.lim.MaxArchiveDepth))
		return nil
	}
	if in.budget == nil {
		in.budget = archive.NewBudget(in.lim.MaxArchiveBytes, in.lim.MaxArchiveMembers, in.lim.MaxArchiveRatio)
	}
	fl, err := archive.WalkNamed(ctx, p.archiveReader(), n.Size, format, n.Name, in.budget, func(ctx context.Context, m *archive.Member, r io.Reader) error {
		c := &Node{Name: m.Name, Member: m.Path, RawName: rawName(m.RawName, m.Path)}
		n.Parts = append(n.Parts, c)
		if r == nil {
			res := filekind.Detect(nil, 0, m.Name)
			c.Kind, c.Format = res.Kind, res.Format
			c.Size = max(m.Size, 0)
			c.Findings = nonNil(m.Findings)
			return nil
		}
		return in.file(ctx, c, r, depth+1, archDepth+1, func() []finding.Finding { return m.Findings })
	})
	n.Findings = append(n.Findings, fl...)
	return err
}
