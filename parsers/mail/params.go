package mail

import (
	"sort"
	"strconv"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Param is one decoded parameter of a structured header field such as
// Content-Type or Content-Disposition.
type Param struct {
	// Value is the decoded value in UTF-8 (NFC).
	Value string
	// Raw is the value's bytes as they appeared in the header, after quote
	// removal; RFC 2231 segments are joined in order. It may hold raw 8-bit
	// bytes that are not UTF-8.
	Raw string
	// Form tells how the value was encoded: "rfc2231", "rfc2047", "8bit" or
	// "ascii".
	Form string
}

// segment is one "name*N[*]=value" piece of an RFC 2231 parameter.
type segment struct {
	n        int
	extended bool
	raw      string
}

// ParseParams parses a structured header value "value; k=v; k*=cs'lang'v…"
// leniently. It accepts what RFC 2045/2231 allow plus what mailers send in
// practice: raw 8-bit bytes quoted or unquoted, RFC 2047 encoded-words inside
// quoted values, RFC 2231 values in any charset, unterminated quotes. The
// main value is lower-cased; parameter names are lower-cased keys of params.
//
// QUIRK: go-message v0.18.2 (via mime.ParseMediaType) drops filename*= in
// charsets other than UTF-8, returns raw GBK bytes as invalid UTF-8, and
// rejects unquoted 8-bit values; this parser is used instead for names.
func ParseParams(raw string) (value string, params map[string]Param) {
	i := strings.IndexByte(raw, ';')
	if i < 0 {
		return strings.ToLower(strings.TrimSpace(raw)), map[string]Param{}
	}
	value = strings.ToLower(strings.TrimSpace(raw[:i]))
	plain := map[string]string{}
	segs := map[string][]segment{}
	s := raw[i:]
	for len(s) > 0 {
		s = strings.TrimLeft(s, "; \t\r\n")
		if s == "" {
			break
		}
		eq := strings.IndexAny(s, "=;")
		if eq < 0 || s[eq] == ';' {
			// A parameter without a value: skip it.
			if eq < 0 {
				break
			}
			s = s[eq:]
			continue
		}
		key := strings.ToLower(strings.TrimSpace(s[:eq]))
		s = strings.TrimLeft(s[eq+1:], " \t\r\n")
		var v string
		if strings.HasPrefix(s, `"`) {
			v, s = readQuoted(s[1:])
		} else {
			end := strings.IndexByte(s, ';')
			if end < 0 {
				end = len(s)
			}
			v, s = strings.TrimSpace(s[:end]), s[end:]
		}
		if key == "" {
			continue
		}
		base, seg, isSeg := splitSegmentKey(key)
		if isSeg {
			seg.raw = v
			segs[base] = append(segs[base], seg)
			continue
		}
		if _, dup := plain[key]; !dup {
			plain[key] = v
		}
	}
	params = make(map[string]Param, len(plain)+len(segs))
	for k, v := range plain {
		params[k] = plainParam(v)
	}
	for k, ss := range segs {
		if p, ok := joinSegments(ss); ok {
			params[k] = p
		}
	}
	return value, params
}

// readQuoted reads a quoted-string body (after the opening quote) and returns
// the unquoted value and the rest after the closing quote.
//
// QUIRK: a backslash escapes only '"' and '\'; Windows paths in filenames
// ("C:\材料\总结.doc") keep their backslashes, so the base name can be found.
func readQuoted(s string) (v, rest string) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\'):
			b.WriteByte(s[i+1])
			i++
		case c == '"':
			return b.String(), s[i+1:]
		default:
			b.WriteByte(c)
		}
	}
	// Unterminated quote: take the rest up to the next ';' as the value.
	v = b.String()
	if j := strings.IndexByte(v, ';'); j >= 0 {
		return v[:j], s[j:]
	}
	return v, ""
}

// splitSegmentKey recognises "name*", "name*N" and "name*N*".
func splitSegmentKey(key string) (base string, seg segment, ok bool) {
	star := strings.IndexByte(key, '*')
	if star <= 0 {
		return key, seg, false
	}
	base, rest := key[:star], key[star+1:]
	if rest == "" {
		return base, segment{n: 0, extended: true}, true
	}
	ext := strings.HasSuffix(rest, "*")
	rest = strings.TrimSuffix(rest, "*")
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 || n > 999 {
		return key, seg, false
	}
	return base, segment{n: n, extended: ext}, true
}

// joinSegments decodes an RFC 2231 parameter from its segments: the first
// extended segment carries charset'language'; extended segments are
// percent-encoded; the bytes are joined before charset conversion.
func joinSegments(ss []segment) (Param, bool) {
	sort.SliceStable(ss, func(i, j int) bool { return ss[i].n < ss[j].n })
	var charset string
	var data, rawJoined []byte
	for i, sg := range ss {
		if i > 0 && sg.n == ss[i-1].n {
			continue // duplicate segment number
		}
		v := sg.raw
		rawJoined = append(rawJoined, v...)
		if sg.extended {
			if i == 0 {
				if q := strings.IndexByte(v, '\''); q >= 0 {
					charset = v[:q]
					v = v[q+1:]
					if q2 := strings.IndexByte(v, '\''); q2 >= 0 {
						v = v[q2+1:]
					}
				}
			}
			data = append(data, percentDecode(v)...)
		} else {
			data = append(data, v...)
		}
	}
	if len(data) == 0 {
		return Param{}, false
	}
	s, _ := decodeCharset(charset, data)
	if strings.Contains(s, "=?") {
		// QUIRK: encoded-words inside an RFC 2231 value (seen from web forms).
		s = decodeWords(s)
	}
	return Param{Value: norm.NFC.String(s), Raw: string(rawJoined), Form: "rfc2231"}, true
}

// percentDecode decodes %XX escapes, keeping malformed ones literally.
func percentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		out = append(out, s[i])
	}
	return out
}

// plainParam decodes a parameter value that is not RFC 2231.
func plainParam(v string) Param {
	p := Param{Raw: v, Form: "ascii"}
	switch {
	case strings.Contains(v, "=?"):
		// QUIRK: RFC 2047 forbids encoded-words in quoted parameter values,
		// yet Outlook, Foxmail and the web mailers all send them.
		p.Form = "rfc2047"
		p.Value = decodeWords(v)
	case !isASCII(v):
		p.Form = "8bit"
		p.Value = decodeRaw([]byte(v))
	default:
		p.Value = v
	}
	p.Value = norm.NFC.String(p.Value)
	return p
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
