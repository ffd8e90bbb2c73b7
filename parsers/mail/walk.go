package mail

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/emersion/go-message/textproto"
	"github.com/shoubao/shoubao/parsers/finding"
)

// Message is what Walk read from one message: the root message or a
// forwarded message/rfc822 part inside it.
type Message struct {
	// Header holds the decoded header fields.
	Header Header
	// ContentType is the media type of the message's top entity.
	ContentType string
	// Report is the report-type of a multipart/report in this message
	// ("delivery-status", "disposition-notification"), or "".
	Report string
	// Parts are the files of this message (attachments and inline files,
	// whatever their disposition) and forwarded messages, in order.
	Parts []*Part
	// Text is the text/plain body (all text/plain body parts joined), at
	// most Limits.MaxTextBytes.
	Text string
	// HTML is the text/html body, at most Limits.MaxTextBytes.
	HTML string
	// Status is the text of machine-readable report parts
	// (message/delivery-status and the like), at most Limits.MaxTextBytes.
	Status string
	// Class is the message's class, set by Classify when Walk finishes.
	Class Class
	// Findings are the problems found in this message's structure and
	// header (those of a file are on its Part).
	Findings finding.List
	// HeaderOK is false when no header could be read at all.
	HeaderOK bool
}

// Part is one file of a message, or a forwarded message.
type Part struct {
	// Path is the IMAP part number ("1", "2.1").
	Path string
	// ContentType is the declared media type, lower-cased.
	ContentType string
	// Disposition is "attachment", "inline" or "".
	Disposition string
	// Name is the decoded, sanitised file name (NFC); derived from the
	// content type when the part has none.
	Name string
	// RawName is the name parameter's bytes as sent ("" when none); may be
	// invalid UTF-8.
	RawName string
	// NameSource says where Name came from: "filename", "name" (of
	// Content-Type), "subject" (forwarded message) or "content-type"
	// (derived).
	NameSource string
	// Message is set for a forwarded message (message/rfc822).
	Message *Message
	// Size and SHA256 are those of the decoded bytes, set by Walk for
	// forwarded messages only (the LeafFunc measures files itself).
	Size   int64
	SHA256 string
	// Findings about this part. For a file they grow while its body is read.
	Findings finding.List
}

// LeafFunc is called for every file of the message with its decoded body
// (transfer encoding removed; charset never converted). It may read the
// body partly or not at all; Walk drains what is left. A non-nil error stops
// the walk and is returned by Walk.
type LeafFunc func(ctx context.Context, p *Part, body io.Reader) error

// errHeaderTooLarge ends a header block that exceeds Limits.MaxHeaderBytes.
var errHeaderTooLarge = errors.New("mail: header exceeds limit")

// walker is the state of one Walk.
type walker struct {
	ctx      context.Context
	lim      Limits
	leaf     LeafFunc
	entities int
	srcErr   error // failure reading the source: aborts the walk
	root     *Message
}

// Walk reads a raw RFC 5322 message from r as a stream and calls leaf for
// every file in it, including the files of forwarded messages. It returns
// the message tree with decoded headers, classes and findings.
//
// The error is non-nil only when ctx is done, reading r fails (other than
// io.EOF) or leaf returns an error; everything wrong with the message itself
// is a finding. Walk reads r at most to Limits.MaxMessageBytes; it does not
// drain r.
func Walk(ctx context.Context, r io.Reader, lim Limits, leaf LeafFunc) (*Message, error) {
	w := &walker{ctx: ctx, lim: lim.WithDefaults(), leaf: leaf}
	src := &source{r: r, w: w, left: w.lim.MaxMessageBytes}
	m, err := w.message(src, 0, "", true)
	if src.truncated {
		m.Findings.Add("message_too_large", "邮件超过 %d 字节的处理上限，其后的内容未读取", w.lim.MaxMessageBytes)
	}
	if err != nil {
		return m, err
	}
	return m, w.aborted()
}

// aborted returns the error that stops the walk, if any.
func (w *walker) aborted() error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	return w.srcErr
}

// source reads the raw message, enforcing MaxMessageBytes and remembering
// read failures.
type source struct {
	r         io.Reader
	w         *walker
	left      int64
	truncated bool
}

func (s *source) Read(p []byte) (int, error) {
	if err := s.w.aborted(); err != nil {
		return 0, err
	}
	if s.left <= 0 {
		// Probe whether the message really goes on.
		var one [1]byte
		if n, _ := s.r.Read(one[:]); n > 0 {
			s.truncated = true
		}
		return 0, io.EOF
	}
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	n, err := s.r.Read(p)
	s.left -= int64(n)
	if err != nil && err != io.EOF {
		s.w.srcErr = fmt.Errorf("read message: %w", err)
		return n, s.w.srcErr
	}
	return n, err
}

// gate limits the bytes read from r while armed; used to bound header
// blocks read by bufio-based parsers.
type gate struct {
	r       io.Reader
	armed   bool
	left    int64
	tripped bool
}

func (g *gate) arm(n int64) { g.armed, g.left, g.tripped = true, n, false }
func (g *gate) disarm()     { g.armed = false }

func (g *gate) Read(p []byte) (int, error) {
	if g.armed {
		if g.left <= 0 {
			g.tripped = true
			return 0, errHeaderTooLarge
		}
		if int64(len(p)) > g.left {
			p = p[:g.left]
		}
	}
	n, err := g.r.Read(p)
	if g.armed {
		g.left -= int64(n)
	}
	return n, err
}

const bufSize = 64 << 10

// message reads one message (header, then body) from r.
func (w *walker) message(r io.Reader, depth int, path string, isRoot bool) (*Message, error) {
	m := &Message{}
	if isRoot {
		w.root = m
	}
	g := &gate{r: r}
	br := bufio.NewReaderSize(g, bufSize)
	g.arm(w.lim.MaxHeaderBytes + bufSize)
	skipMboxLine(br)
	hdr, herr := textproto.ReadHeader(br)
	g.disarm()
	if abort := w.aborted(); abort != nil {
		return m, abort
	}
	m.HeaderOK = hdr.Len() > 0
	switch {
	case herr == nil:
	case g.tripped:
		m.Findings.Add("header_too_large", "邮件头超过 %d 字节的上限，正文未读取", w.lim.MaxHeaderBytes)
		_, err := io.Copy(io.Discard, br)
		w.classify(m)
		return m, w.quiet(err)
	default:
		m.Findings.Add("header_malformed", "邮件头格式错误：%s", clip(herr.Error(), 120))
	}
	w.dropLongFields(&hdr, &m.Findings)
	m.Header = decodeHeader(hdr, &m.Findings)
	ct, _ := ParseParams(hdr.Get("Content-Type"))
	if ct == "" {
		ct = "text/plain"
	}
	m.ContentType = ct
	err := w.entity(m, hdr, br, depth, path, true, "text/plain")
	if err == nil {
		_, err = io.Copy(io.Discard, br)
		err = w.quiet(err)
	}
	w.classify(m)
	return m, err
}

// quiet keeps only aborting errors: the rest were already findings.
func (w *walker) quiet(err error) error {
	if abort := w.aborted(); abort != nil {
		return abort
	}
	return nil
}

// skipMboxLine drops a leading mbox "From " separator line.
//
// QUIRK: messages saved from mbox files (mutt, Thunderbird "save as")
// start with "From sender date", which is not a header field.
func skipMboxLine(br *bufio.Reader) {
	if head, _ := br.Peek(5); string(head) == "From " {
		for {
			_, isPrefix, err := br.ReadLine()
			if err != nil || !isPrefix {
				return
			}
		}
	}
}

// dropLongFields removes header fields longer than MaxFieldBytes.
func (w *walker) dropLongFields(h *textproto.Header, fl *finding.List) {
	fields := h.Fields()
	for fields.Next() {
		raw, _ := fields.Raw()
		if len(raw) > w.lim.MaxFieldBytes {
			fl.Add("header_field_too_long", "邮件头字段 %s 长 %d 字节，超过 %d 字节的上限，已忽略", clip(fields.Key(), 40), len(raw), w.lim.MaxFieldBytes)
			fields.Del()
		}
	}
}

// unterminated records, once per walk and on the root message, that the
// message ended before its closing boundary.
func (w *walker) unterminated() {
	if !w.root.Findings.Has("mime_unterminated") {
		w.root.Findings.Add("mime_unterminated", "邮件在结束分隔线之前中断（缺少结束分隔线或内容不完整）")
	}
}

// childPath numbers part i of a multipart at path, IMAP style.
func childPath(path string, i int) string {
	if path == "" {
		return strconv.Itoa(i)
	}
	return path + "." + strconv.Itoa(i)
}

// entity walks one MIME entity with header h and raw body r. top is true for
// the top entity of a message (root or forwarded).
func (w *walker) entity(m *Message, h textproto.Header, r io.Reader, depth int, path string, top bool, defType string) error {
	if err := w.aborted(); err != nil {
		return err
	}
	w.entities++
	if w.entities > w.lim.MaxParts {
		if w.entities == w.lim.MaxParts+1 {
			w.root.Findings.Add("too_many_parts", "邮件的 MIME 部分超过 %d 个，其余部分未处理", w.lim.MaxParts)
		}
		return nil
	}
	ct, cparams := ParseParams(h.Get("Content-Type"))
	if ct == "" || !strings.Contains(ct, "/") {
		if ct != "" {
			m.Findings.Add("bad_content_type", "无法识别的内容类型 %q，按 %s 处理", clip(ct, 60), defType)
		}
		ct = defType
	}
	cte := h.Get("Content-Transfer-Encoding")
	switch {
	case strings.HasPrefix(ct, "multipart/"):
		return w.multipart(m, ct, cparams, r, depth, path)
	case ct == "message/rfc822" || ct == "message/global":
		if top && path == "" {
			// A bare message/rfc822 root is unusual; treat as a forward.
			path = "1"
		} else if top {
			path = childPath(path, 1)
		}
		return w.forwarded(m, h, cte, r, depth, path)
	case ct == "message/delivery-status" || ct == "message/global-delivery-status" ||
		ct == "message/disposition-notification" || ct == "message/feedback-report" ||
		ct == "text/rfc822-headers" || ct == "message/rfc822-headers":
		return w.text(m, &m.Status, cparams, transferDecoder(cte, r, &m.Findings))
	}
	if top {
		path = childPath(path, 1)
	}
	disp, dparams := ParseParams(h.Get("Content-Disposition"))
	name, raw, source := pickName(dparams, cparams)
	if isBodyText(ct, disp, name) {
		dst := &m.Text
		if ct == "text/html" {
			dst = &m.HTML
		}
		return w.text(m, dst, cparams, transferDecoder(cte, r, &m.Findings))
	}
	p := &Part{Path: path, ContentType: ct, RawName: raw, NameSource: source}
	switch disp {
	case "attachment", "inline":
		p.Disposition = disp
	}
	if name != "" {
		clean, changed := SanitizeName(name)
		switch {
		case !changed:
		case BidiWarning(name) != "":
			p.Findings.Add("unsafe_file_name", "附件名%s", BidiWarning(clip(name, 200)))
		default:
			p.Findings.Add("unsafe_file_name", "附件名 %q 含有路径或控制字符，已改为 %q", clip(name, 80), clean)
		}
		name = clean
	}
	if name == "" {
		name, p.NameSource = NameForType(path, ct), "content-type"
	}
	p.Name = name
	m.Parts = append(m.Parts, p)
	body := &decodeGuard{r: transferDecoder(cte, r, &p.Findings), w: w, fl: &p.Findings}
	if w.leaf != nil {
		if err := w.leaf(w.ctx, p, body); err != nil {
			return err
		}
	}
	_, err := io.Copy(io.Discard, body)
	return w.quiet(err)
}

// pickName chooses a part's file name: Content-Disposition filename first,
// then Content-Type name.
func pickName(dparams, cparams map[string]Param) (name, raw, source string) {
	if p, ok := dparams["filename"]; ok && strings.TrimSpace(p.Value) != "" {
		return p.Value, p.Raw, "filename"
	}
	if p, ok := cparams["name"]; ok && strings.TrimSpace(p.Value) != "" {
		return p.Value, p.Raw, "name"
	}
	return "", "", ""
}

// isBodyText reports whether a part is the message's text rather than a
// file: text/plain or text/html with no name, not marked attachment.
func isBodyText(ct, disp, name string) bool {
	if name != "" || disp == "attachment" {
		return false
	}
	switch ct {
	case "text/plain", "text/html", "text/enriched", "text/richtext":
		return true
	}
	return false
}

// multipart walks the parts of a multipart entity.
func (w *walker) multipart(m *Message, ct string, params map[string]Param, r io.Reader, depth int, path string) error {
	if depth >= w.lim.MaxDepth {
		if !w.root.Findings.Has("mime_too_deep") {
			w.root.Findings.Add("mime_too_deep", "邮件嵌套超过 %d 层，更深的部分未处理", w.lim.MaxDepth)
		}
		_, err := io.Copy(io.Discard, r)
		return w.quiet(err)
	}
	if ct == "multipart/report" && m.Report == "" {
		m.Report = strings.ToLower(params["report-type"].Value)
		if m.Report == "" {
			m.Report = "unknown"
		}
	}
	boundary := params["boundary"].Raw
	if boundary == "" {
		m.Findings.Add("mime_no_boundary", "多部分内容 %s 缺少分隔线参数，按正文处理", ct)
		return w.text(m, &m.Text, nil, r)
	}
	defType := "text/plain"
	if ct == "multipart/digest" {
		defType = "message/rfc822"
	}
	g := &gate{r: r}
	mr := textproto.NewMultipartReader(g, boundary)
	for i := 1; ; i++ {
		g.arm(w.lim.MaxHeaderBytes + 4096)
		part, err := mr.NextPart()
		g.disarm()
		if err == io.EOF {
			break
		}
		if err != nil {
			if abort := w.aborted(); abort != nil {
				return abort
			}
			switch {
			case g.tripped:
				m.Findings.Add("header_too_large", "附件的头部超过 %d 字节的上限，其后的内容未读取", w.lim.MaxHeaderBytes)
			case i == 1 && strings.Contains(err.Error(), "EOF"):
				m.Findings.Add("mime_no_parts", "多部分内容中找不到分隔线 %q", clip(boundary, 70))
			case strings.Contains(err.Error(), "EOF"):
				w.unterminated()
			default:
				m.Findings.Add("mime_malformed", "多部分结构错误：%s", clip(err.Error(), 120))
			}
			break
		}
		w.dropLongFields(&part.Header, &m.Findings)
		if err := w.entity(m, part.Header, part, depth+1, childPath(path, i), false, defType); err != nil {
			return err
		}
		if _, err := io.Copy(io.Discard, part); err != nil {
			if abort := w.aborted(); abort != nil {
				return abort
			}
			w.noteReadError(&m.Findings, err)
			break
		}
		if w.entities > w.lim.MaxParts {
			break
		}
	}
	_, err := io.Copy(io.Discard, r)
	return w.quiet(err)
}

// forwarded walks a message/rfc822 part as a message of its own.
func (w *walker) forwarded(m *Message, h textproto.Header, cte string, r io.Reader, depth int, path string) error {
	if depth >= w.lim.MaxDepth {
		if !w.root.Findings.Has("mime_too_deep") {
			w.root.Findings.Add("mime_too_deep", "邮件嵌套超过 %d 层，更深的部分未处理", w.lim.MaxDepth)
		}
		_, err := io.Copy(io.Discard, r)
		return w.quiet(err)
	}
	p := &Part{Path: path, ContentType: "message/rfc822"}
	disp, dparams := ParseParams(h.Get("Content-Disposition"))
	_, cparams := ParseParams(h.Get("Content-Type"))
	if disp == "attachment" || disp == "inline" {
		p.Disposition = disp
	}
	hash := sha256.New()
	cnt := &counter{}
	body := io.TeeReader(&decodeGuard{r: transferDecoder(cte, r, &p.Findings), w: w, fl: &p.Findings}, io.MultiWriter(hash, cnt))
	sub, err := w.message(body, depth+1, path, false)
	p.Message = sub
	m.Parts = append(m.Parts, p)
	if err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, body); err != nil {
		return w.quiet(err)
	}
	p.Size, p.SHA256 = cnt.n, hex.EncodeToString(hash.Sum(nil))
	name, raw, source := pickName(dparams, cparams)
	if name == "" && sub.Header.Subject != "" {
		name, source = sub.Header.Subject+".eml", "subject"
	}
	if name != "" {
		name, _ = SanitizeName(name)
	}
	if name == "" {
		name, source = NameForType(path, "message/rfc822"), "content-type"
	}
	p.Name, p.RawName, p.NameSource = name, raw, source
	return nil
}

// counter counts bytes written.
type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// text appends a body text part, converted to UTF-8, to *dst, keeping at
// most MaxTextBytes.
func (w *walker) text(m *Message, dst *string, params map[string]Param, r io.Reader) error {
	r = &decodeGuard{r: r, w: w, fl: &m.Findings}
	room := w.lim.MaxTextBytes - len(*dst)
	if room > 0 {
		raw, err := io.ReadAll(io.LimitReader(r, int64(room)))
		if err != nil {
			return w.quiet(err)
		}
		label := params["charset"].Value
		if label == "" && dst == &m.HTML {
			label = htmlCharset(raw)
		}
		s, known := decodeCharset(label, raw)
		if !known {
			m.Findings.Add("unknown_charset", "正文的字符集 %q 无法识别，按 UTF-8/GB18030 读取", clip(label, 40))
		}
		if len(*dst) > 0 && s != "" {
			*dst += "\n"
		}
		*dst += s
		if len(*dst) > w.lim.MaxTextBytes {
			*dst = strings.ToValidUTF8((*dst)[:w.lim.MaxTextBytes], "")
		}
	}
	_, err := io.Copy(io.Discard, r)
	return w.quiet(err)
}

// htmlCharset finds a <meta> charset in the first 2 KiB of an HTML body.
func htmlCharset(b []byte) string {
	if len(b) > 2048 {
		b = b[:2048]
	}
	lower := bytes.ToLower(b)
	i := bytes.Index(lower, []byte("charset="))
	if i < 0 {
		return ""
	}
	rest := lower[i+len("charset="):]
	rest = bytes.TrimLeft(rest, `"' `)
	end := bytes.IndexAny(rest, `"' ;/>`)
	if end < 0 {
		return ""
	}
	return string(rest[:end])
}
