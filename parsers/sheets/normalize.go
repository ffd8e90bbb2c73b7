package sheets

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// fold returns s in NFKC form (full-width letters, digits, brackets and
// colons become half-width) without white space.
func fold(s string) string {
	if t, ok := quickFold(s); ok {
		return t
	}
	s = norm.NFKC.String(s)
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// quickFold is fold for a text made only of characters whose NFKC form
// does not depend on what surrounds them (each combines with nothing
// before it): ASCII, the full-width forms of ASCII (U+FF01–U+FF5E) and
// the ideographic space, the CJK unified ideographs and common CJK
// punctuation (TestQuickFoldRunes checks every character it accepts). Such
// a text is folded character by character; ok is false for any other
// text. A text with nothing to change is returned as it is.
func quickFold(s string) (t string, ok bool) {
	same := true
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if isASCIISpace(c) || 'A' <= c && c <= 'Z' {
				same = false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case foldedRune(r):
		case r >= 0xff01 && r <= 0xff5e || r == 0x3000:
			same = false
		default:
			return "", false
		}
		i += size
	}
	if same {
		return s, true
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r >= 0xff01 && r <= 0xff5e:
			r -= 0xff01 - '!' // its ASCII form
		case r == 0x3000:
			continue // a space
		}
		if r < utf8.RuneSelf {
			c := byte(r)
			switch {
			case isASCIISpace(c):
				continue
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			}
			b = append(b, c)
			continue
		}
		b = utf8.AppendRune(b, r)
	}
	return string(b), true
}

// isASCIISpace reports whether c is an ASCII white space character, as
// unicode.IsSpace has them.
func isASCIISpace(c byte) bool {
	switch c {
	case '\t', '\n', '\v', '\f', '\r', ' ':
		return true
	}
	return false
}

// foldedRune reports whether r, not ASCII, is one quickFold accepts.
func foldedRune(r rune) bool {
	switch {
	case r >= 0x4e00 && r <= 0x9fff: // CJK unified ideographs
		return true
	case r >= 0x3001 && r <= 0x3002, r >= 0x300a && r <= 0x3011, r >= 0x3014 && r <= 0x3015: // 、。《》「」『』【】〔〕
		return true
	case r >= 0x2018 && r <= 0x2019, r >= 0x201c && r <= 0x201d, r == 0x2014: // ‘’“”—
		return true
	}
	return false
}

// labelKey reduces a row label to what identifies it: folded, bracketed
// parts ("（单位：万元）", "(如：…)") and unit suffixes removed, leading
// numbering ("一、", "1.", "(三)") and punctuation dropped.
func labelKey(s string) string {
	s = dropBrackets(fold(s))
	s = strings.TrimLeftFunc(s, func(r rune) bool {
		return unicode.IsDigit(r) || strings.ContainsRune("一二三四五六七八九十、.:", r)
	})
	for _, suffix := range []string{"单位:万元", "单位:人次", "单位:个", "万元", "人次"} {
		s = strings.TrimSuffix(s, suffix)
	}
	s = strings.TrimPrefix(s, "其中:")
	if plainKey(s) {
		return s // no punctuation or symbol to drop
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsPunct(r) || unicode.IsSymbol(r) {
			return -1
		}
		return r
	}, s)
}

// plainKey reports whether s holds only ASCII letters and digits and CJK
// unified ideographs: no punctuation or symbol.
func plainKey(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r < 0x4e00 || r > 0x9fff {
			return false
		}
		i += size
	}
	return true
}

// dropBrackets removes bracketed segments, nested or not; an unclosed
// bracket drops the rest of the text.
func dropBrackets(s string) string {
	if !hasBracket(s) {
		return s
	}
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch r {
		case '(', '[', '{', '【', '〔', '<', '《':
			depth++
			continue
		case ')', ']', '}', '】', '〕', '>', '》':
			if depth > 0 {
				depth--
			}
			continue
		}
		if depth == 0 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// hasBracket reports whether dropBrackets may change s: it holds a
// bracket, or bytes that are not UTF-8 (written back as U+FFFD).
func hasBracket(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case '(', '[', '{', '<', ')', ']', '}', '>':
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch r {
		case '【', '〔', '《', '】', '〕', '》', utf8.RuneError:
			return true
		}
		i += size
	}
	return false
}

// hasHan reports whether s holds a Chinese character.
func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// cleanCell trims a cell's text and normalises its line ends, keeping the
// lines of a multi-line cell.
func cleanCell(s string) string {
	if strings.IndexByte(s, '\n') < 0 && strings.IndexByte(s, '\r') < 0 {
		if !edgeSpace(s) {
			return s // the common case: nothing to trim
		}
		return strings.TrimFunc(s, unicode.IsSpace) // one line: no copy
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimFunc(l, unicode.IsSpace)
	}
	return strings.TrimFunc(strings.Join(lines, "\n"), unicode.IsSpace)
}

// squeeze removes the white space of s, as strings.Join(strings.Fields(s),
// "") does, without copying a text that has none.
func squeeze(s string) string {
	if strings.IndexFunc(s, unicode.IsSpace) < 0 {
		return s
	}
	return strings.Join(strings.Fields(s), "")
}

// edgeSpace reports whether s starts or ends with white space.
func edgeSpace(s string) bool {
	if s == "" {
		return false
	}
	if c := s[0]; c < utf8.RuneSelf {
		if c <= ' ' {
			return true
		}
	} else if r, _ := utf8.DecodeRuneInString(s); unicode.IsSpace(r) {
		return true
	}
	if c := s[len(s)-1]; c < utf8.RuneSelf {
		return c <= ' '
	}
	r, _ := utf8.DecodeLastRuneInString(s)
	return unicode.IsSpace(r)
}
