package inspect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"

	"github.com/shoubao/shoubao/parsers/filekind"
	"github.com/shoubao/shoubao/parsers/finding"
	"github.com/shoubao/shoubao/parsers/mail"
)

// CodeManualReview is the finding of a message or file that an officer
// must look at because it could not be read automatically.
const CodeManualReview = "needs_manual_review"

// Quarantined reads only what is safe to read of a message whose reading
// has already stopped the process more than once: the header, the MIME
// structure and the names of the parts. No part's content is read (no
// spooling, no archive, table or video parser, no link download), and
// nothing goes to the FileSink. The node carries a needs_manual_review
// finding naming file, the file that was being read when the process
// stopped ("" when unknown). It hashes the whole of r, as Message does.
func Quarantined(ctx context.Context, r io.Reader, opts Options, file string) (*Node, error) {
	in := newInspector(Options{TempDir: opts.TempDir, Limits: opts.Limits})
	hash := sha256.New()
	cnt := &counter{}
	tee := io.TeeReader(r, io.MultiWriter(hash, cnt))
	leaves := map[*mail.Part]*Node{}
	m, err := mail.Walk(ctx, tee, in.lim.mailLimits(0), func(_ context.Context, p *mail.Part, _ io.Reader) error {
		leaves[p] = &Node{Name: p.Name, RawName: rawName(p.RawName, p.Name), Part: p.Path, ContentType: p.ContentType,
			Kind: filekind.Detect(nil, 0, p.Name).Kind, Findings: nonNil(p.Findings)}
		return nil
	})
	if err == nil {
		_, err = io.Copy(io.Discard, &ctxReader{ctx: ctx, r: tee})
	}
	if err != nil {
		return nil, err
	}
	n, err := in.messageNode(ctx, m, leaves, 0)
	if err != nil {
		return nil, err
	}
	n.Size, n.SHA256 = cnt.n, hex.EncodeToString(hash.Sum(nil))
	if file != "" {
		n.Findings = append(n.Findings, finding.New(CodeManualReview,
			"读取附件“%s”时程序多次意外终止，已停止自动读取此邮件；原始邮件已完整保存，请人工查看", file))
	} else {
		n.Findings = append(n.Findings, finding.New(CodeManualReview,
			"读取此邮件时程序多次意外终止，已停止自动读取；原始邮件已完整保存，请人工查看"))
	}
	return n, nil
}
