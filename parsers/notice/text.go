package notice

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// doc is a notice's text prepared for matching. Matching happens on
// normalised text (NFKC: full-width letters, digits and punctuation become
// ASCII; spaces next to Chinese characters are dropped, so "6 月 8 日前"
// reads "6月8日前"); every normalised byte remembers where it came from, so
// sources are quoted as the notice wrote them.
type doc struct {
	orig  string
	lines []line
	paras []span // prose paragraphs, lines joined where a sentence was broken
}

// line is one line of the notice.
type line struct {
	no    int    // 1-based
	start int    // offset of the line in doc.orig
	raw   string // as written
	sp    string // normalised, spaces kept (collapsed to one) and trimmed
	table bool   // a table row: cells separated by tabs
	span         // normalised, spaces next to Chinese dropped
}

// span is normalised text with, for each byte, the offset in doc.orig of
// the character it came from (one extra entry at the end).
type span struct {
	text string
	pos  []int
	line int // number of the line the span starts on
}

// sub returns the part of s between byte offsets a and b.
func (s span) sub(a, b int) span {
	return span{text: s.text[a:b], pos: s.pos[a : b+1], line: s.line}
}

// quote returns the original text behind s.text[a:b], with line breaks
// (and the indentation around them) removed and runs of spaces collapsed.
func (d *doc) quote(s span, a, b int) string {
	for a < b && s.text[a] == ' ' {
		a++
	}
	for b > a && s.text[b-1] == ' ' {
		b--
	}
	if a >= b {
		return ""
	}
	start := s.pos[a]
	last := s.pos[b-1]
	_, n := utf8.DecodeRuneInString(d.orig[last:])
	return cleanQuote(d.orig[start : last+n])
}

var (
	reBreak  = regexp.MustCompile(`[ \t\x{3000}\x{a0}]*\n[\s\x{3000}]*`)
	reSpaces = regexp.MustCompile(`[ \t\x{3000}\x{a0}]{2,}`)
)

func cleanQuote(s string) string {
	s = reBreak.ReplaceAllString(s, "")
	s = reSpaces.ReplaceAllString(s, " ")
	return strings.TrimSpace(strings.Trim(s, "\u3000"))
}

// newDoc splits text into lines and paragraphs. text must be valid UTF-8.
func newDoc(text string) *doc {
	text = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\f", "\n").Replace(text)
	d := &doc{orig: text}
	off := 0
	for i, raw := range strings.Split(text, "\n") {
		l := line{no: i + 1, raw: raw, start: off}
		l.span, l.sp = normalizeLine(raw, off)
		l.span.line = l.no
		l.table = strings.Contains(strings.Trim(l.text, "\t"), "\t")
		d.lines = append(d.lines, l)
		off += len(raw) + 1
	}
	d.paras = paragraphs(d.lines)
	return d
}

// isWide reports whether r is a Chinese character or punctuation: spaces
// next to such a character carry no meaning.
func isWide(r rune) bool { return r >= 0x2E80 }

// normalizeLine normalises one line that starts at offset off in the
// document. It returns the span (spaces next to wide characters dropped,
// other runs of spaces collapsed) and the line with all spaces kept.
func normalizeLine(raw string, off int) (span, string) {
	type piece struct {
		r   rune
		pos int
	}
	var ps []piece
	var buf [utf8.UTFMax]byte
	for i, r := range raw {
		switch {
		case r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\ufeff' || r == '\u00ad':
			continue
		case r == '\t':
			ps = append(ps, piece{'\t', off + i})
			continue
		case unicode.IsSpace(r):
			ps = append(ps, piece{' ', off + i})
			continue
		case r < 0x80 || (r >= 0x4E00 && r <= 0x9FFF):
			ps = append(ps, piece{r, off + i})
			continue
		}
		n := utf8.EncodeRune(buf[:], r)
		for _, f := range string(norm.NFKC.Bytes(buf[:n])) {
			if unicode.IsSpace(f) {
				f = ' '
			}
			ps = append(ps, piece{f, off + i})
		}
	}
	var sp strings.Builder
	var s span
	var b strings.Builder
	for i := 0; i < len(ps); i++ {
		p := ps[i]
		if p.r == ' ' {
			j := i
			for j < len(ps) && ps[j].r == ' ' {
				j++
			}
			// Drop spaces at either end, next to a tab or next to a
			// wide character; keep one between two narrow ones.
			keep := i > 0 && j < len(ps) && ps[i-1].r != '\t' && ps[j].r != '\t' &&
				!isWide(ps[i-1].r) && !isWide(ps[j].r)
			if i > 0 && j < len(ps) {
				sp.WriteByte(' ')
			}
			if keep {
				b.WriteByte(' ')
				s.pos = append(s.pos, p.pos)
			}
			i = j - 1
			continue
		}
		sp.WriteRune(p.r)
		n := utf8.EncodeRune(buf[:], p.r)
		b.Write(buf[:n])
		for k := 0; k < n; k++ {
			s.pos = append(s.pos, p.pos)
		}
	}
	s.text = b.String()
	s.pos = append(s.pos, off+len(raw))
	return s, strings.TrimSpace(sp.String())
}

var (
	reHeading   = regexp.MustCompile(`^(?:[一二三四五六七八九十]+、|\([一二三四五六七八九十]+\)|第[一二三四五六七八九十]+[章条部])`)
	reKeyValue  = regexp.MustCompile(`^[\p{Han}]{1,8}:`)
	reDateOnly  = regexp.MustCompile(`^\(?` + reDatePart + `\)?$`)
	reListStart = regexp.MustCompile(`^(?:\d{1,2}[.、]|[(]\d{1,2}[)])`)
)

// endsSentence reports whether s ends with sentence-final punctuation,
// looking through closing quotes and brackets.
func endsSentence(s string) bool {
	s = strings.TrimRight(s, "”’\")）》")
	r, _ := utf8.DecodeLastRuneInString(s)
	return r == '。' || r == '!' || r == '?' || r == ';'
}

// standalone reports whether a line is complete in itself: a heading, a
// "label: value" line, a date line, the attachment list.
func standalone(t string) bool {
	if reKeyValue.MatchString(t) && utf8.RuneCountInString(t) <= 60 {
		return true
	}
	return reDateOnly.MatchString(t) || strings.HasPrefix(t, "附件")
}

func isShortHeading(t string) bool {
	return reHeading.MatchString(t) && !strings.Contains(t, "。") && utf8.RuneCountInString(t) <= 30
}

// paragraphs joins prose lines into paragraphs. Notices extracted from PDF
// or copied from a web page break lines inside sentences (the 2024 notice
// breaks "根据《山西" / "省科学技术厅…"), so a line continues the previous
// one unless that one ended a sentence or either is a heading, a
// "label: value" line, a date or a table row.
func paragraphs(lines []line) []span {
	var out []span
	var texts [][]string
	var prev string
	open := false
	for _, l := range lines {
		t := l.text
		if l.table {
			open, prev = false, ""
			continue
		}
		if strings.TrimSpace(t) == "" {
			continue
		}
		join := open && !endsSentence(prev) && !isShortHeading(prev) && !standalone(prev) &&
			!reHeading.MatchString(t) && !standalone(t) && !reListStart.MatchString(t)
		if join {
			cur := &out[len(out)-1]
			texts[len(texts)-1] = append(texts[len(texts)-1], t)
			cur.pos = append(cur.pos[:len(cur.pos)-1], l.pos...)
		} else {
			out = append(out, span{pos: append([]int(nil), l.pos...), line: l.no})
			texts = append(texts, []string{t})
		}
		open, prev = true, t
	}
	for i := range out {
		out[i].text = strings.Join(texts[i], "")
	}
	return out
}

// sentences splits a paragraph after 。!?; (outside brackets).
func sentences(p span) []span {
	var out []span
	depth, start, open := 0, 0, 0
	for i, r := range p.text {
		if depth > 0 && i-open > 300 {
			depth = 0 // an unclosed bracket does not swallow the paragraph
		}
		switch r {
		case '(', '《', '“', '[', '〔', '【':
			if depth == 0 {
				open = i
			}
			depth++
		case ')', '》', '”', ']', '〕', '】':
			if depth > 0 {
				depth--
			}
		case '。', '!', '?', ';':
			if depth == 0 {
				end := i + utf8.RuneLen(r)
				out = append(out, p.sub(start, end))
				start = end
			}
		}
	}
	if start < len(p.text) {
		out = append(out, p.sub(start, len(p.text)))
	}
	return out
}

// clause widens [a,b) in s to the clauses around it (between , ; 。 ! ?
// outside brackets), so a quote reads as a phrase rather than a fragment.
func clause(s span, a, b int) (int, int) {
	isSep := func(r rune) bool { return r == ',' || r == ';' || r == '。' || r == '!' || r == '?' }
	depth := 0
	lo := 0
	for i, r := range s.text[:a] {
		switch {
		case strings.ContainsRune("(《“[〔【", r):
			depth++
		case strings.ContainsRune(")》”]〕】", r):
			depth = max(0, depth-1)
		case isSep(r) && depth == 0:
			lo = i + utf8.RuneLen(r)
		}
	}
	hi := len(s.text)
	depth = 0
	for i, r := range s.text[b:] {
		if strings.ContainsRune("(《“[〔【", r) {
			depth++
		} else if strings.ContainsRune(")》”]〕】", r) {
			depth = max(0, depth-1)
		} else if isSep(r) && depth == 0 {
			hi = b + i
			break
		}
	}
	return lo, hi
}
