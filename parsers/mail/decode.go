package mail

import (
	"encoding/base64"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// DecodeText decodes an unstructured header value (a Subject, a display name)
// as it arrived: RFC 2047 encoded-words in any charset, raw 8-bit bytes
// (UTF-8 when valid, else GB18030), or both. Control characters (CR, LF,
// TAB…) become single spaces and the result is in Unicode NFC. ctrl reports
// whether control characters were found after decoding.
func DecodeText(raw string) (s string, ctrl bool) {
	s = decodeWords(raw)
	s, ctrl = cleanControls(s)
	return norm.NFC.String(s), ctrl
}

// encodedWord is one parsed "=?charset?enc?text?=".
type encodedWord struct {
	charset string
	data    []byte
	end     int // index just past "?=" in the input
}

// parseEncodedWord parses an encoded-word starting at s[0] ("=?"). ok is
// false when s does not start with a well-formed one.
func parseEncodedWord(s string) (w encodedWord, ok bool) {
	if !strings.HasPrefix(s, "=?") {
		return w, false
	}
	rest := s[2:]
	q1 := strings.IndexByte(rest, '?')
	if q1 <= 0 || q1+2 >= len(rest) || rest[q1+2] != '?' {
		return w, false
	}
	charset := rest[:q1]
	if strings.ContainsAny(charset, " \t\r\n") {
		return w, false
	}
	enc := rest[q1+1]
	text := rest[q1+3:]
	end := strings.Index(text, "?=")
	if end < 0 {
		return w, false
	}
	text = text[:end]
	if strings.ContainsAny(text, " \t\r\n") {
		return w, false
	}
	var data []byte
	switch enc {
	case 'B', 'b':
		d, err := decodeB(text)
		if err != nil {
			return w, false
		}
		data = d
	case 'Q', 'q':
		data = decodeQ(text)
	default:
		return w, false
	}
	return encodedWord{charset: normCharset(charset), data: data, end: 2 + q1 + 3 + end + 2}, true
}

// decodeB decodes the base64 text of a "B" encoded-word, tolerating missing
// padding.
func decodeB(text string) ([]byte, error) {
	// QUIRK: some mailers drop the "=" padding of each encoded-word.
	text = strings.TrimRight(text, "=")
	return base64.RawStdEncoding.DecodeString(text)
}

// decodeQ decodes the text of a "Q" encoded-word. Malformed escapes are
// kept literally.
func decodeQ(text string) []byte {
	out := make([]byte, 0, len(text))
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '_':
			out = append(out, ' ')
		case c == '=' && i+2 < len(text) && isHex(text[i+1]) && isHex(text[i+2]):
			out = append(out, unhex(text[i+1])<<4|unhex(text[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// decodeWords decodes every encoded-word in s and the raw text around them.
//
// QUIRK: some mailers split a multi-byte character across two encoded-words
// (each word's bytes alone are not valid in the charset). Adjacent words in
// the same charset are therefore joined as bytes before conversion. Words
// embedded inside a token ("abc=?utf-8?B?...?=") are decoded too, as most
// mail clients do.
func decodeWords(s string) string {
	if !strings.Contains(s, "=?") {
		return decodeRaw([]byte(s))
	}
	var b strings.Builder
	var pending []byte // bytes of adjacent words in pendingCS
	pendingCS := ""
	flush := func() {
		if len(pending) > 0 || pendingCS != "" {
			t, _ := decodeCharset(pendingCS, pending)
			b.WriteString(t)
		}
		pending, pendingCS = nil, ""
	}
	text := 0 // start of the raw text not yet written
	lastWordEnd := -1
	for i := 0; i < len(s); {
		j := strings.Index(s[i:], "=?")
		if j < 0 {
			break
		}
		j += i
		w, ok := parseEncodedWord(s[j:])
		if !ok {
			i = j + 2
			continue
		}
		gap := s[text:j]
		if lastWordEnd == text && strings.TrimSpace(gap) == "" {
			// Whitespace between two encoded-words is not displayed.
			gap = ""
		}
		if gap != "" || w.charset != pendingCS {
			flush()
			b.WriteString(decodeRaw([]byte(gap)))
		}
		pendingCS = w.charset
		pending = append(pending, w.data...)
		i = j + w.end
		text = i
		lastWordEnd = i
	}
	flush()
	b.WriteString(decodeRaw([]byte(s[text:])))
	return b.String()
}

// cleanControls replaces each run of control characters and whitespace that
// contains a control character by one space and trims the ends.
func cleanControls(s string) (string, bool) {
	found := false
	var b strings.Builder
	b.Grow(len(s))
	inRun := false
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			if r != '\t' {
				found = true
			}
			if !inRun {
				b.WriteByte(' ')
				inRun = true
			}
			continue
		}
		inRun = false
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String()), found
}
