package notice

import (
	"bytes"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"github.com/shoubao/shoubao/parsers/finding"
)

// DecodeText turns the bytes of a plain-text notice into UTF-8. It accepts
// UTF-8 (with or without a byte order mark), UTF-16 with a byte order mark,
// and GB18030, which covers GBK and GB2312 (what Windows editors save
// Chinese text as). Text that is neither valid UTF-8 nor valid GB18030 is
// decoded as GB18030 anyway, with a finding: the replacement characters mark
// what could not be read.
func DecodeText(b []byte) (string, []finding.Finding) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return toValidUTF8(b[3:]), nil
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}), bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		s, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder().Bytes(b)
		if err != nil {
			return "", []finding.Finding{finding.New("notice_encoding_unreadable", "通知文本为 UTF-16 编码但无法解码：%v", err)}
		}
		return toValidUTF8(s), nil
	case utf8.Valid(b):
		return string(b), nil
	}
	s, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
	if err != nil {
		return toValidUTF8(b), []finding.Finding{finding.New("notice_encoding_unreadable", "通知文本既不是 UTF-8 也不是 GB18030/GBK 编码，无法读取的字符已替换为 �")}
	}
	if bytes.Contains(s, []byte("\uFFFD")) || !plausibleGB(s) {
		return string(s), []finding.Finding{finding.New("notice_encoding_guessed", "通知文本不是 UTF-8，按 GB18030/GBK 解码，部分字符可能有误")}
	}
	return string(s), nil
}

func toValidUTF8(b []byte) string { return string(bytes.ToValidUTF8(b, []byte("\uFFFD"))) }

// plausibleGB reports whether text decoded as GB18030 looks like Chinese:
// mostly CJK ideographs, ASCII and common punctuation rather than the rare
// four-byte code points that random bytes decode to.
func plausibleGB(s []byte) bool {
	var common, rare int
	for _, r := range string(s) {
		switch {
		case r < 0x80, r >= 0x3000 && r <= 0x303F, r >= 0x4E00 && r <= 0x9FFF, r >= 0xFF00 && r <= 0xFFEF:
			common++
		default:
			rare++
		}
	}
	return rare*20 <= common
}
