// Package xmlscan is the streaming XML tokenizer of the spreadsheet
// readers (internal/xlsx, internal/ods): bounded memory, the context
// checked as it goes, and fast skipping of elements nobody reads.
package xmlscan

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"
)

// Kind is the kind of a token returned by Scanner.Next.
type Kind uint8

const (
	KindError Kind = iota // see Scanner.Err
	KindEOF
	KindStart // s.Local, s.attrs; a self-closing tag is followed by its KindEnd
	KindEnd   // s.Local
	KindText  // s.Text: a piece of character data, entities decoded
)

// Errors of the Scanner. A syntax error makes the rest of a part unreadable.
var (
	errSyntax   = errors.New("xml syntax error")
	errTagLong  = errors.New("xml tag too long")
	errTooDeep  = errors.New("xml nested too deep")
	errTrailing = errors.New("xml ends inside an element")
)

// Scanner limits.
const (
	BufSize     = 64 << 10 // read size, and the buffer's initial size
	maxTagBytes = 1 << 20  // a start tag with its attributes must fit in this
	maxDepth    = 256      // element nesting
	ctxEvery    = 4096     // tokens between checks of the context
)

type attr struct {
	local []byte // local name (prefix dropped)
	value []byte // raw value, entities not decoded
}

// Scanner is a streaming tokenizer for the XML of spreadsheet parts. It
// reads the subset of XML 1.0 that occurs in them: elements, attributes,
// character data with the five predefined entities and character
// references, CDATA sections, comments, processing instructions and a
// DOCTYPE (skipped; its entities are never expanded). Names are split at
// the first colon and only the local part is reported, as excelize did.
// End tags must match their start tags.
//
// Memory is bounded: the buffer holds one tag (at most maxTagBytes) and
// character data is returned in pieces of at most the buffer's size. The
// bytes of a token are valid until the next call of Next.
type Scanner struct {
	ctx  context.Context
	src  io.Reader
	buf  []byte
	r, w int // unread input is buf[r:w]
	eof  bool
	err  error // sticky

	// The current token: Local is the element's local name (KindStart,
	// KindEnd), Text a piece of character data (KindText).
	Local []byte
	Text  []byte
	attrs []attr

	pendingEnd bool // the last start tag was self-closing
	inCDATA    bool

	stack  []byte // qualified names of the open elements, concatenated
	starts []int  // where each open element's name begins in stack
	tbuf   []byte // scratch for decoded text
	vbuf   []byte // scratch for decoded attribute values
	ticks  int
}

// New reads src with a buffer of initially size bytes.
func New(ctx context.Context, src io.Reader, size int) *Scanner {
	return &Scanner{ctx: ctx, src: src, buf: make([]byte, max(size, 16))}
}

// NewBuffer reads src with buf (of at least 16 bytes) as its buffer, so
// that the parts of one file, read one after the other, share a buffer.
func NewBuffer(ctx context.Context, src io.Reader, buf []byte) *Scanner {
	if len(buf) < 16 {
		buf = make([]byte, 16)
	}
	return &Scanner{ctx: ctx, src: src, buf: buf[:cap(buf)]}
}

// Buffer returns the scanner's buffer, for NewBuffer on the next part.
func (s *Scanner) Buffer() []byte { return s.buf }

// Err is the error that made Next return KindError: a syntax error, a
// limit of the scanner, the reader's error or the context's.
func (s *Scanner) Err() error { return s.err }

// Depth is the number of open elements.
func (s *Scanner) Depth() int { return len(s.starts) }

// fail records err (the first one wins) and returns KindError.
func (s *Scanner) fail(err error) Kind {
	if s.err == nil {
		s.err = err
	}
	return KindError
}

// tick counts work and checks the context now and then.
func (s *Scanner) tick() bool {
	s.ticks++
	if s.ticks%ctxEvery == 0 {
		if err := s.ctx.Err(); err != nil {
			s.fail(err)
			return false
		}
	}
	return true
}

// fill reads more input, keeping buf[r:w]. It grows the buffer when the
// unread part fills it, up to maxTagBytes. It returns false at the end of
// input or on an error (then s.err is set).
func (s *Scanner) fill() bool {
	if s.eof || s.err != nil {
		return false
	}
	if s.r > 0 {
		n := copy(s.buf, s.buf[s.r:s.w])
		s.r, s.w = 0, n
	}
	if s.w == len(s.buf) {
		if len(s.buf) >= maxTagBytes {
			s.fail(errTagLong)
			return false
		}
		nb := make([]byte, min(2*len(s.buf), maxTagBytes))
		copy(nb, s.buf[:s.w])
		s.buf = nb
	}
	for range 100 {
		n, err := s.src.Read(s.buf[s.w:])
		s.w += n
		if err == io.EOF {
			s.eof = true
			return n > 0
		}
		if err != nil {
			s.fail(err)
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	s.fail(io.ErrNoProgress)
	return false
}

// need makes at least n bytes available (fewer at the end of input).
func (s *Scanner) need(n int) bool {
	for s.w-s.r < n {
		if !s.fill() {
			return s.w-s.r >= n
		}
	}
	return true
}

// next reads the next token.
func (s *Scanner) Next() Kind {
	if s.err != nil {
		return KindError
	}
	if s.pendingEnd {
		s.pendingEnd = false
		s.pop()
		return KindEnd
	}
	if !s.tick() {
		return KindError
	}
	if s.inCDATA {
		return s.cdata()
	}
	for {
		if s.r == s.w && !s.fill() {
			if s.err != nil {
				return KindError
			}
			if len(s.starts) > 0 {
				return s.fail(errTrailing)
			}
			return KindEOF
		}
		if s.buf[s.r] != '<' {
			return s.chardata()
		}
		s.need(9)
		in := s.buf[s.r:s.w]
		switch {
		case len(in) >= 2 && in[1] == '/':
			return s.endTag()
		case len(in) >= 2 && in[1] == '?':
			if !s.skipPast(2, "?>") {
				return KindError
			}
		case bytes.HasPrefix(in, []byte("<!--")):
			if !s.skipPast(4, "-->") {
				return KindError
			}
		case bytes.HasPrefix(in, []byte("<![CDATA[")):
			s.r += 9
			s.inCDATA = true
			return s.cdata()
		case len(in) >= 2 && in[1] == '!':
			if !s.skipDecl() {
				return KindError
			}
		default:
			return s.startTag()
		}
		if !s.tick() {
			return KindError
		}
	}
}

// skipPast discards the opening (n bytes) of a comment or processing
// instruction and the input up to and including term.
func (s *Scanner) skipPast(n int, term string) bool {
	if s.w-s.r < n {
		return s.fail(errSyntax) == KindStart // false
	}
	s.r += n
	for {
		if i := bytes.Index(s.buf[s.r:s.w], []byte(term)); i >= 0 {
			s.r += i + len(term)
			return true
		}
		// Keep what could be the start of term.
		s.r = max(s.r, s.w-len(term)+1)
		if !s.fill() || !s.tick() {
			if s.err == nil {
				s.fail(errSyntax)
			}
			return false
		}
	}
}

// skipDecl discards a <!DOCTYPE …> or other declaration the way
// encoding/xml reads one: the character after "<!" is taken as is, then
// quoted strings, nested <…> and <!-- comments --> (which end at "->")
// are skipped up to the closing '>'.
func (s *Scanner) skipDecl() bool {
	if s.w-s.r < 3 {
		return s.fail(errSyntax) == KindStart // false
	}
	s.r += 3
	depth := 0
	var quote byte
	comment := false
	var last byte // in a comment, the byte before
	for {
		for s.r < s.w {
			c := s.buf[s.r]
			s.r++
			switch {
			case comment:
				if last == '-' && c == '>' {
					comment = false
				}
				last = c
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '"' || c == '\'':
				quote = c
			case c == '>':
				if depth == 0 {
					return true
				}
				depth--
			case c == '<':
				if !s.need(4) {
					depth++
					continue
				}
				if bytes.HasPrefix(s.buf[s.r:s.w], []byte("!--")) {
					s.r += 3
					comment, last = true, 0
					continue
				}
				depth++
			}
		}
		if !s.fill() || !s.tick() {
			if s.err == nil {
				s.fail(errSyntax)
			}
			return false
		}
	}
}

// push opens an element.
func (s *Scanner) push(qname []byte) bool {
	if len(s.starts) >= maxDepth {
		s.fail(errTooDeep)
		return false
	}
	s.starts = append(s.starts, len(s.stack))
	s.stack = append(s.stack, qname...)
	return true
}

// pop closes the innermost element.
func (s *Scanner) pop() {
	n := len(s.starts) - 1
	s.stack = s.stack[:s.starts[n]]
	s.starts = s.starts[:n]
}

// localName splits a qualified name at its first colon, as encoding/xml
// does.
func localName(qname []byte) []byte {
	if i := bytes.IndexByte(qname, ':'); i > 0 && i < len(qname)-1 {
		return qname[i+1:]
	}
	return qname
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// isNameEnd reports whether c ends a name in a tag.
func isNameEnd(c byte) bool { return isSpace(c) || c == '/' || c == '>' || c == '=' }

// endTag reads "</name>".
func (s *Scanner) endTag() Kind {
	from := 0 // bytes of the tag already searched
	for {
		if i := bytes.IndexByte(s.buf[s.r+from:s.w], '>'); i >= 0 {
			i += from
			tag := s.buf[s.r+2 : s.r+i]
			s.r += i + 1
			qname := tag
			for len(qname) > 0 && isSpace(qname[len(qname)-1]) {
				qname = qname[:len(qname)-1]
			}
			n := len(s.starts)
			if n == 0 || !bytes.Equal(qname, s.stack[s.starts[n-1]:]) {
				return s.fail(errSyntax)
			}
			// s.Local points into stack past its new end: valid
			// until the next push, in a later call.
			s.Local = localName(s.stack[s.starts[n-1]:])
			s.pop()
			return KindEnd
		}
		from = s.w - s.r
		if !s.fill() {
			return s.fail(errSyntax)
		}
	}
}

// startTag reads "<name attr='v' …>" or "<name …/>".
func (s *Scanner) startTag() Kind {
	// Find the closing '>' outside quotes.
	i := s.r + 1
	var quote byte
	for {
		for ; i < s.w; i++ {
			c := s.buf[i]
			if quote != 0 {
				if c == quote {
					quote = 0
				}
				continue
			}
			if c == '"' || c == '\'' {
				quote = c
			} else if c == '>' {
				goto found
			}
		}
		off := i - s.r
		if !s.fill() {
			return s.fail(errSyntax)
		}
		i = s.r + off
	}
found:
	tag := s.buf[s.r+1 : i]
	s.r = i + 1
	self := len(tag) > 0 && tag[len(tag)-1] == '/'
	if self {
		tag = tag[:len(tag)-1]
	}
	n := 0
	for n < len(tag) && !isNameEnd(tag[n]) {
		n++
	}
	if n == 0 {
		return s.fail(errSyntax)
	}
	qname := tag[:n]
	s.attrs = s.attrs[:0]
	rest := tag[n:]
	for {
		j := 0
		for j < len(rest) && isSpace(rest[j]) {
			j++
		}
		if j == len(rest) {
			break
		}
		rest = rest[j:]
		k := 0
		for k < len(rest) && !isNameEnd(rest[k]) {
			k++
		}
		if k == 0 {
			return s.fail(errSyntax)
		}
		name := rest[:k]
		rest = rest[k:]
		for len(rest) > 0 && isSpace(rest[0]) {
			rest = rest[1:]
		}
		if len(rest) == 0 || rest[0] != '=' {
			return s.fail(errSyntax)
		}
		rest = rest[1:]
		for len(rest) > 0 && isSpace(rest[0]) {
			rest = rest[1:]
		}
		if len(rest) == 0 || rest[0] != '"' && rest[0] != '\'' {
			return s.fail(errSyntax)
		}
		q := rest[0]
		end := bytes.IndexByte(rest[1:], q)
		if end < 0 {
			return s.fail(errSyntax)
		}
		val := rest[1 : 1+end]
		if bytes.IndexByte(val, '<') >= 0 {
			return s.fail(errSyntax)
		}
		s.attrs = append(s.attrs, attr{local: localName(name), value: val})
		rest = rest[end+2:]
	}
	if !s.push(qname) {
		return KindError
	}
	s.Local = localName(qname)
	s.pendingEnd = self
	return KindStart
}

// Attr returns the decoded value of the current start tag's attribute
// with the given local name, or nil. The bytes are valid until the next
// call of Attr or Next.
func (s *Scanner) Attr(local string) []byte {
	for _, a := range s.attrs {
		if string(a.local) == local {
			if bytes.IndexByte(a.value, '&') < 0 && bytes.IndexByte(a.value, '\r') < 0 {
				return a.value
			}
			s.vbuf = decode(s.vbuf[:0], a.value)
			return s.vbuf
		}
	}
	return nil
}

// chardata returns the character data up to the next '<', or a piece of
// it: a piece ends before an entity or "\r" cut by the end of the buffer.
func (s *Scanner) chardata() Kind {
	for {
		in := s.buf[s.r:s.w]
		if i := bytes.IndexByte(in, '<'); i >= 0 {
			return s.emitText(in[:i])
		}
		if s.eof {
			return s.emitText(in)
		}
		cut := len(in)
		// An entity may continue past the buffer: "&#x4E2" + "D;".
		if a := bytes.LastIndexByte(in, '&'); a >= 0 && len(in)-a < 64 && isEntityPrefix(in[a+1:]) {
			cut = a
		}
		if cut > 0 && in[cut-1] == '\r' {
			cut--
		}
		if cut > 0 {
			return s.emitText(in[:cut])
		}
		if !s.fill() {
			if s.err != nil {
				return KindError
			}
		}
	}
}

// isEntityPrefix reports whether b could be the start of an entity name
// or character reference still missing its ';'.
func isEntityPrefix(b []byte) bool {
	for _, c := range b {
		if !(c == '#' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '-' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// emitText consumes raw (a prefix of the unread input) as character data.
func (s *Scanner) emitText(raw []byte) Kind {
	s.r += len(raw)
	if bytes.IndexByte(raw, '&') < 0 && bytes.IndexByte(raw, '\r') < 0 {
		s.Text = raw
		return KindText
	}
	s.tbuf = decode(s.tbuf[:0], raw)
	s.Text = s.tbuf
	return KindText
}

// cdata returns a piece of a CDATA section, ending the section at "]]>".
func (s *Scanner) cdata() Kind {
	for {
		in := s.buf[s.r:s.w]
		if i := bytes.Index(in, []byte("]]>")); i >= 0 {
			s.inCDATA = false
			k := s.emitRaw(in[:i])
			s.r += 3
			return k
		}
		if s.eof {
			return s.fail(errSyntax)
		}
		cut := max(len(in)-2, 0) // keep a possible "]]"
		if cut > 0 && in[cut-1] == '\r' {
			cut--
		}
		if cut > 0 {
			return s.emitRaw(in[:cut])
		}
		if !s.fill() && s.err != nil {
			return KindError
		}
	}
}

// emitRaw consumes raw as CDATA: only line ends are normalised.
func (s *Scanner) emitRaw(raw []byte) Kind {
	s.r += len(raw)
	if bytes.IndexByte(raw, '\r') < 0 {
		s.Text = raw
		return KindText
	}
	s.tbuf = s.tbuf[:0]
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '\r' {
			s.tbuf = append(s.tbuf, '\n')
			if i+1 < len(raw) && raw[i+1] == '\n' {
				i++
			}
			continue
		}
		s.tbuf = append(s.tbuf, c)
	}
	s.Text = s.tbuf
	return KindText
}

// decode appends raw to dst with entities and character references
// decoded and line ends normalised to "\n". An unknown or malformed
// entity is kept as written, as encoding/xml does when not strict.
func decode(dst, raw []byte) []byte {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch c {
		case '\r':
			dst = append(dst, '\n')
			if i+1 < len(raw) && raw[i+1] == '\n' {
				i++
			}
			continue
		case '&':
			if r, n := entity(raw[i:]); n > 0 {
				dst = utf8.AppendRune(dst, r)
				i += n - 1
				continue
			}
		}
		dst = append(dst, c)
	}
	return dst
}

// entity decodes the entity or character reference at the start of b
// ("&amp;", "&#20013;", "&#x4E2D;") and returns the rune and the bytes
// used, or n == 0.
func entity(b []byte) (r rune, n int) {
	end := bytes.IndexByte(b, ';')
	if end < 2 || end > 64 {
		return 0, 0
	}
	name := b[1:end]
	switch string(name) {
	case "lt":
		return '<', end + 1
	case "gt":
		return '>', end + 1
	case "amp":
		return '&', end + 1
	case "apos":
		return '\'', end + 1
	case "quot":
		return '"', end + 1
	}
	if name[0] != '#' {
		return 0, 0
	}
	digits, base := name[1:], 10
	if len(digits) > 0 && digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if len(digits) == 0 {
		return 0, 0
	}
	for _, c := range digits {
		if !(c >= '0' && c <= '9' || base == 16 && (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
			return 0, 0
		}
	}
	v, err := strconv.ParseUint(string(digits), base, 64)
	if err != nil || v > utf8.MaxRune {
		return 0, 0
	}
	return rune(v), end + 1 // a surrogate becomes U+FFFD, as string(rune(v)) does
}

// Skip discards the rest of the element whose start tag was just read.
func (s *Scanner) Skip() bool { return s.SkipOut(1) }

// SkipOut discards input until n open elements (the innermost n) are
// closed, as fast as it can: tags inside are found but not parsed, and
// their names are not checked. It returns false on an error or at the end
// of input (then the next call of Next reports it).
func (s *Scanner) SkipOut(n int) bool {
	n = min(n, len(s.starts))
	if n <= 0 {
		return true
	}
	if s.pendingEnd {
		s.pendingEnd = false
		s.pop()
		if n--; n == 0 {
			return true
		}
	}
	open := n // elements still to close
	for open > 0 {
		if s.err != nil {
			return false
		}
		if !s.tick() {
			return false
		}
		i := bytes.IndexByte(s.buf[s.r:s.w], '<')
		if i < 0 {
			s.r = s.w
			if !s.fill() {
				if s.err == nil {
					s.fail(errTrailing)
				}
				return false
			}
			continue
		}
		s.r += i
		s.need(9)
		in := s.buf[s.r:s.w]
		switch {
		case len(in) >= 2 && in[1] == '/':
			if !s.skipTag(false) {
				return false
			}
			open--
		case len(in) >= 2 && in[1] == '?':
			if !s.skipPast(2, "?>") {
				return false
			}
		case bytes.HasPrefix(in, []byte("<!--")):
			if !s.skipPast(4, "-->") {
				return false
			}
		case bytes.HasPrefix(in, []byte("<![CDATA[")):
			s.r += 9
			if !s.skipPast(0, "]]>") {
				return false
			}
		case len(in) >= 2 && in[1] == '!':
			if !s.skipDecl() {
				return false
			}
		default:
			self, ok := s.skipTagSelf()
			if !ok {
				return false
			}
			if !self {
				open++
			}
		}
	}
	for range n {
		s.pop()
	}
	return true
}

// skipTag discards a tag up to its '>', minding quotes if quoted.
func (s *Scanner) skipTag(quoted bool) bool {
	_, ok := s.skipTagAt(quoted)
	return ok
}

// skipTagSelf discards a start tag and reports whether it closes itself.
func (s *Scanner) skipTagSelf() (self, ok bool) { return s.skipTagAt(true) }

func (s *Scanner) skipTagAt(quoted bool) (self, ok bool) {
	i := s.r + 1
	var quote byte
	for {
		if !quoted {
			if j := bytes.IndexByte(s.buf[i:s.w], '>'); j >= 0 {
				s.r = i + j + 1
				return false, true
			}
			i = s.w
		}
		for ; quoted && i < s.w; i++ {
			c := s.buf[i]
			if quote != 0 {
				if c == quote {
					quote = 0
				}
				continue
			}
			if c == '"' || c == '\'' {
				quote = c
			} else if c == '>' {
				self = i > s.r+1 && s.buf[i-1] == '/'
				s.r = i + 1
				return self, true
			}
		}
		off := i - s.r
		if !s.fill() {
			if s.err == nil {
				s.fail(errSyntax)
			}
			return false, false
		}
		i = s.r + off
	}
}
