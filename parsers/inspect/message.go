package inspect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	netmail "net/mail"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shoubao/shoubao/parsers/archive"
	"github.com/shoubao/shoubao/parsers/filekind"
	"github.com/shoubao/shoubao/parsers/finding"
	"github.com/shoubao/shoubao/parsers/links"
	"github.com/shoubao/shoubao/parsers/mail"
)

// inspector is the state of one Message or File call.
type inspector struct {
	opts  Options
	lim   Limits
	files int // files inspected so far
	// budget is what archives of this input may still expand (created on
	// first use).
	budget *archive.Budget
	// memPart is the largest part held in memory, memLeft the bytes that
	// parts held in memory may still take (Options.MemBytes).
	memPart, memLeft int64
}

func newInspector(opts Options) *inspector {
	in := &inspector{opts: opts, lim: opts.Limits.WithDefaults()}
	in.memPart, in.memLeft = opts.memBudget()
	return in
}

// checkTempDir fails when Options.TempDir is set but is not a directory:
// a scratch disk that is missing is an error for every input, not only for
// those with a part too large to be held in memory.
func (in *inspector) checkTempDir() error {
	if in.opts.TempDir == "" {
		return nil
	}
	st, err := os.Stat(in.opts.TempDir)
	if err != nil {
		return fmt.Errorf("inspect: scratch dir: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("inspect: scratch dir %s: not a directory", in.opts.TempDir)
	}
	return nil
}

// Message walks a raw RFC 5322 message read from r, streaming.
//
// The error is non-nil only for ctx cancellation, scratch-disk I/O failure,
// a failure reading r, or a FileSink error (transient: the worker retries);
// everything wrong with the input is a finding, and a message that cannot be
// parsed at all still yields a Node (kind message, class malformed, size and
// sha256 of the raw bytes). Message reads r to its end.
func Message(ctx context.Context, r io.Reader, opts Options) (*Node, error) {
	in := newInspector(opts)
	if err := in.checkTempDir(); err != nil {
		return nil, err
	}
	return in.budgeted(ctx, func(ctx context.Context) (*Node, error) {
		return in.message(ctx, r, 0)
	})
}

// budgeted runs fn under the per-input time budget. When the budget (not
// the caller's ctx) runs out, the partial node gets a finding instead of an
// error.
func (in *inspector) budgeted(ctx context.Context, fn func(context.Context) (*Node, error)) (*Node, error) {
	bctx, cancel := context.WithTimeout(ctx, in.lim.Timeout)
	defer cancel()
	n, err := fn(bctx)
	if err == nil {
		return n, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if bctx.Err() != nil && errors.Is(err, context.DeadlineExceeded) && n != nil {
		n.Findings = append(n.Findings, finding.New("time_budget_exceeded",
			"处理时间超过 %s 的上限，只检查了部分内容", in.lim.Timeout))
		return n, nil
	}
	return nil, err
}

// message walks one message read from r, found at the given nesting depth.
// It always returns a node, with the error that stopped it, if any.
func (in *inspector) message(ctx context.Context, r io.Reader, depth int) (*Node, error) {
	hash := sha256.New()
	cnt := &counter{}
	tee := io.TeeReader(r, io.MultiWriter(hash, cnt))
	leaves := map[*mail.Part]*Node{}
	m, err := mail.Walk(ctx, tee, in.lim.mailLimits(depth), func(ctx context.Context, p *mail.Part, body io.Reader) error {
		n := &Node{Name: p.Name, RawName: rawName(p.RawName, p.Name), Part: p.Path, ContentType: p.ContentType}
		leaves[p] = n
		err := in.file(ctx, n, body, depth+1, 0, func() []finding.Finding { return p.Findings })
		return err
	})
	if err == nil {
		// Hash the whole input, including what the walker did not parse.
		_, err = io.Copy(io.Discard, &ctxReader{ctx: ctx, r: tee})
	}
	n, lerr := in.messageNode(ctx, m, leaves, depth)
	n.Size, n.SHA256 = cnt.n, hex.EncodeToString(hash.Sum(nil))
	if err == nil {
		err = lerr
	}
	return n, err
}

// messageNode converts the walker's message tree into nodes, adding the
// links found in bodies (and, when enabled, the files downloaded from them).
func (in *inspector) messageNode(ctx context.Context, m *mail.Message, leaves map[*mail.Part]*Node, depth int) (*Node, error) {
	n := &Node{Kind: filekind.Message, Format: "eml", Findings: nonNil(m.Findings)}
	h := m.Header
	msg := &MessageInfo{
		Subject: h.Subject, From: h.From, FromAddress: h.FromAddress,
		To: nonNilStrings(h.To), Cc: nonNilStrings(h.Cc), MessageID: h.MessageID,
		Class: string(m.Class), Links: links.Find(m.Text, m.HTML), Text: excerpt(m),
		Report: m.Report,
	}
	for k, v := range h.Classify {
		if k == "Content-Type" {
			continue
		}
		if msg.Headers == nil {
			msg.Headers = map[string]string{}
		}
		msg.Headers[k] = v
	}
	if a, err := netmail.ParseAddress(h.Classify["Reply-To"]); err == nil {
		msg.ReplyTo = strings.ToLower(a.Address)
	}
	if !h.Date.IsZero() {
		msg.Date = h.Date.Format(time.RFC3339)
	}
	n.Message = msg
	for _, p := range m.Parts {
		if p.Message != nil {
			c, err := in.messageNode(ctx, p.Message, leaves, depth+1)
			if err != nil {
				return n, err
			}
			c.Name, c.RawName, c.Part, c.ContentType = p.Name, rawName(p.RawName, p.Name), p.Path, p.ContentType
			c.Size, c.SHA256 = p.Size, p.SHA256
			c.Findings = append(nonNil(p.Findings), c.Findings...)
			n.Parts = append(n.Parts, c)
			continue
		}
		c := leaves[p]
		if c == nil {
			// The walk stopped before this part was handed over.
			c = &Node{Name: p.Name, Part: p.Path, ContentType: p.ContentType, Kind: filekind.Other, Findings: nonNil(p.Findings)}
		}
		n.Parts = append(n.Parts, c)
	}
	for _, l := range msg.Links {
		n.Findings = append(n.Findings, linkFinding(l))
	}
	if in.opts.DownloadLinks && m.Class == mail.Submission {
		for _, l := range msg.Links {
			c, err := in.download(ctx, l, depth)
			if err != nil {
				return n, err
			}
			if c.SHA256 == "" {
				n.Findings = append(n.Findings, c.Findings...)
				continue
			}
			n.Parts = append(n.Parts, c)
		}
	}
	return n, nil
}

// maxExcerpt is the length of Message.Text in runes.
const maxExcerpt = 2000

// excerpt returns the start of the body text.
func excerpt(m *mail.Message) string {
	t := m.Text
	if strings.TrimSpace(t) == "" {
		t = htmlText(m.HTML)
	}
	t = strings.TrimSpace(strings.ReplaceAll(t, "\r\n", "\n"))
	if utf8.RuneCountInString(t) > maxExcerpt {
		t = string([]rune(t)[:maxExcerpt])
	}
	return t
}

// rawName returns the raw name for JSON when it differs from the decoded
// one: as is when it is valid UTF-8, else with every byte outside printable
// ASCII written as \xNN (and backslashes doubled).
func rawName(raw, name string) string {
	if raw == "" || raw == name {
		return ""
	}
	valid := utf8.ValidString(raw)
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '\\' && !valid:
			b.WriteString(`\\`)
		case c < 0x20 || c == 0x7f || (c >= 0x80 && !valid):
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func nonNil(l []finding.Finding) []finding.Finding {
	out := make([]finding.Finding, 0, len(l))
	return append(out, l...)
}

func nonNilStrings(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// counter counts bytes written.
type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// ctxReader fails reads once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
