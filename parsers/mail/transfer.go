package mail

import (
	"encoding/base64"
	"errors"
	"io"
	"mime/quotedprintable"
	"strings"

	"github.com/shoubao/shoubao/parsers/finding"
)

// transferDecoder returns a reader of the decoded bytes of a body in the
// given Content-Transfer-Encoding. Unknown encodings are passed through with
// a finding.
func transferDecoder(cte string, r io.Reader, fl *finding.List) io.Reader {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &spaceDropper{r: r})
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	case "", "7bit", "8bit", "binary":
		return r
	default:
		fl.Add("unknown_transfer_encoding", "未知的传输编码 %q，按原样读取", clip(cte, 40))
		return r
	}
}

// spaceDropper removes all ASCII whitespace from a base64 stream.
//
// QUIRK: the standard decoder skips only CR and LF; some mailers indent
// base64 lines or pad them with spaces and tabs.
type spaceDropper struct{ r io.Reader }

func (s *spaceDropper) Read(p []byte) (int, error) {
	for {
		n, err := s.r.Read(p)
		j := 0
		for i := 0; i < n; i++ {
			switch c := p[i]; c {
			case ' ', '\t', '\r', '\n', '\f', '\v':
			default:
				p[j] = c
				j++
			}
		}
		if j > 0 || err != nil || n == 0 {
			return j, err
		}
	}
}

// decodeGuard turns a decoding error of the input into a finding and a clean
// end of data, and passes aborting errors (cancellation, failure to read the
// source) through.
type decodeGuard struct {
	r     io.Reader
	w     *walker
	fl    *finding.List
	ended bool
}

func (g *decodeGuard) Read(p []byte) (int, error) {
	if g.ended {
		return 0, io.EOF
	}
	n, err := g.r.Read(p)
	if err == nil || err == io.EOF {
		if err == io.EOF {
			g.ended = true
		}
		return n, err
	}
	if abort := g.w.aborted(); abort != nil {
		return n, abort
	}
	g.ended = true
	g.w.noteReadError(g.fl, err)
	return n, io.EOF
}

// noteReadError records why a body could not be read to its end.
func (w *walker) noteReadError(fl *finding.List, err error) {
	var corrupt base64.CorruptInputError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		w.unterminated()
	case errors.As(err, &corrupt):
		fl.Add("base64_corrupt", "附件的 base64 编码在第 %d 字节处损坏，只读出了此前的内容", int64(corrupt))
	case strings.HasPrefix(err.Error(), "quotedprintable:"):
		fl.Add("qp_corrupt", "quoted-printable 编码损坏，只读出了此前的内容")
	case errors.Is(err, errHeaderTooLarge):
		fl.Add("header_too_large", "邮件头超过长度限制，其后的内容未读取")
	default:
		fl.Add("mime_read_error", "读取邮件内容出错：%s", clip(err.Error(), 120))
	}
}
