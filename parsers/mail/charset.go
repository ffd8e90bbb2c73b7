package mail

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	gmcharset "github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/transform"
)

// chineseCharsets maps the labels Chinese mailers use to the decoder that
// reads what they really send.
//
// QUIRK: mailers label GBK (and GB18030) text as "gb2312"; GB18030 is a strict
// superset of GB2312 and GBK, so every GB label decodes as GB18030. Big5 text
// often carries HKSCS characters; x/text's Big5 decoder includes them.
var chineseCharsets = map[string]encoding.Encoding{
	"gb2312":      simplifiedchinese.GB18030,
	"gb_2312":     simplifiedchinese.GB18030,
	"gb_2312-80":  simplifiedchinese.GB18030,
	"csgb2312":    simplifiedchinese.GB18030,
	"euc-cn":      simplifiedchinese.GB18030,
	"x-euc-cn":    simplifiedchinese.GB18030,
	"gbk":         simplifiedchinese.GB18030,
	"x-gbk":       simplifiedchinese.GB18030,
	"cp936":       simplifiedchinese.GB18030,
	"ms936":       simplifiedchinese.GB18030,
	"windows-936": simplifiedchinese.GB18030,
	"gb18030":     simplifiedchinese.GB18030,
	"chinese":     simplifiedchinese.GB18030,
	// Python's email package labels GB2312 text "eucgb2312_cn".
	"eucgb2312_cn":   simplifiedchinese.GB18030,
	"big5":           traditionalchinese.Big5,
	"big-5":          traditionalchinese.Big5,
	"cn-big5":        traditionalchinese.Big5,
	"x-x-big5":       traditionalchinese.Big5,
	"big5-hkscs":     traditionalchinese.Big5,
	"cp950":          traditionalchinese.Big5,
	"windows-950":    traditionalchinese.Big5,
	"hz-gb-2312":     simplifiedchinese.HZGB2312,
	"utf8":           encoding.Nop,
	"utf-8":          encoding.Nop,
	"us-ascii":       encoding.Nop,
	"ascii":          encoding.Nop,
	"ansi_x3.4-1968": encoding.Nop,
}

// normCharset lowercases a charset label and strips an RFC 2231 language
// suffix ("gbk*zh") and quotes.
func normCharset(label string) string {
	label = strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`))
	if i := strings.IndexByte(label, '*'); i >= 0 {
		label = label[:i]
	}
	return label
}

// charsetReader returns a reader converting r from the named charset to
// UTF-8, and whether the charset is known. For an unknown charset it returns
// r unchanged.
func charsetReader(label string, r io.Reader) (io.Reader, bool) {
	label = normCharset(label)
	if enc, ok := chineseCharsets[label]; ok {
		if enc == encoding.Nop {
			return r, true
		}
		return transform.NewReader(r, enc.NewDecoder()), true
	}
	cr, err := gmcharset.Reader(label, r)
	if err != nil {
		return r, false
	}
	return cr, true
}

// decodeCharset converts b from the named charset to UTF-8. Unknown charsets
// fall back to the raw 8-bit rule (UTF-8 when valid, else GB18030); ok is
// false then.
func decodeCharset(label string, b []byte) (s string, ok bool) {
	label = normCharset(label)
	if label == "" {
		return decodeRaw(b), true
	}
	cr, known := charsetReader(label, bytes.NewReader(b))
	if !known {
		return decodeRaw(b), false
	}
	out, err := io.ReadAll(cr)
	if err != nil {
		return decodeRaw(b), false
	}
	return strings.ToValidUTF8(string(out), "\uFFFD"), true
}

// decodeRaw decodes 8-bit bytes of unknown charset: UTF-8 when they are valid
// UTF-8, else GB18030 (what Chinese Windows mailers send).
//
// QUIRK: raw 8-bit bytes are not allowed in RFC 5322 headers, yet Foxmail,
// old Outlook and many web forms send GBK bytes unencoded.
func decodeRaw(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return strings.ToValidUTF8(string(out), "\uFFFD")
}
