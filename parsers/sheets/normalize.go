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
	s = norm.NFKC.String(s)
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
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
	return strings.Map(func(r rune) rune {
		if unicode.IsPunct(r) || unicode.IsSymbol(r) {
			return -1
		}
		return r
	}, s)
}

// dropBrackets removes bracketed segments, nested or not; an unclosed
// bracket drops the rest of the text.
func dropBrackets(s string) string {
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
