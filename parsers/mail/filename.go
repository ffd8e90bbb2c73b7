package mail

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxNameBytes bounds a decoded file name, as most file systems do.
const maxNameBytes = 255

// SanitizeName reduces a decoded file name to a safe base name: directory
// components (either slash) are removed, control characters (C0, DEL, C1)
// dropped, characters that change the display direction (EscapeBidi)
// written as visible \uXXXX escapes, "." and ".." rejected, the result put
// in NFC and cut to 255 bytes keeping the extension. changed reports
// whether anything other than NFC normalisation was needed.
func SanitizeName(name string) (clean string, changed bool) {
	orig := name
	name = strings.ToValidUTF8(name, "\uFFFD")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == ".." {
		name = ""
	}
	name = norm.NFC.String(name)
	name, _ = EscapeBidi(name)
	if len(name) > maxNameBytes {
		name = cutName(name, maxNameBytes)
	}
	return name, name != norm.NFC.String(strings.TrimSpace(orig))
}

// isBidi reports whether r changes how the text around it is laid out
// without being seen: the embeddings and overrides U+202A–U+202E, the
// isolates U+2066–U+2069, the marks U+200E, U+200F and U+061C. A name
// holding them can show "活动总结exe.docx" for "活动总结\u202Excod.exe".
func isBidi(r rune) bool {
	return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 || r == 0x200E || r == 0x200F || r == 0x061C
}

// EscapeBidi writes the characters isBidi names as visible \uXXXX escapes
// (upper-case hex), so that a name shows what it really is; changed
// reports whether there were any.
func EscapeBidi(s string) (escaped string, changed bool) {
	if !strings.ContainsFunc(s, isBidi) {
		return s, false
	}
	var b strings.Builder
	for _, r := range s {
		if isBidi(r) {
			fmt.Fprintf(&b, `\u%04X`, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String(), true
}

// BidiWarning explains, for a finding, a name that holds characters
// changing the display direction: how it looks (an override reverses what
// follows it) and its real extension. "" when the name holds none.
func BidiWarning(name string) string {
	if !strings.ContainsFunc(name, isBidi) {
		return ""
	}
	escaped, _ := EscapeBidi(name)
	ext := ""
	if i := strings.LastIndexByte(name, '.'); i >= 0 && !strings.ContainsFunc(name[i:], isBidi) {
		ext = name[i:]
	}
	msg := fmt.Sprintf(" %s 含有改变文字显示方向的控制字符", escaped)
	if looks := bidiDisplay(name); looks != "" {
		msg += fmt.Sprintf("，看起来像“%s”", looks)
	}
	if ext != "" {
		msg += fmt.Sprintf("，实际扩展名是“%s”", ext)
	}
	return msg + "；控制字符已显示为 \\u 转义序列，请勿按显示的名称打开"
}

// bidiDisplay approximates how a name with a right-to-left override is
// shown: what follows U+202E, up to U+202C (POP DIRECTIONAL FORMATTING),
// in reverse order. "" for other direction characters, whose effect
// depends on the text around them.
func bidiDisplay(name string) string {
	i := strings.IndexRune(name, 0x202E)
	if i < 0 {
		return ""
	}
	before, rest := name[:i], name[i+len("\u202E"):]
	after := ""
	if j := strings.IndexRune(rest, 0x202C); j >= 0 {
		rest, after = rest[:j], rest[j+len("\u202C"):]
	}
	r := []rune(rest)
	for a, b := 0, len(r)-1; a < b; a, b = a+1, b-1 {
		r[a], r[b] = r[b], r[a]
	}
	strip := func(s string) string {
		return strings.Map(func(c rune) rune {
			if isBidi(c) {
				return -1
			}
			return c
		}, s)
	}
	return strip(before) + strip(string(r)) + strip(after)
}

// cutName shortens name to at most n bytes at a rune boundary, keeping a
// short extension.
func cutName(name string, n int) string {
	ext := ""
	if i := strings.LastIndexByte(name, '.'); i >= 0 && len(name)-i <= 16 {
		ext = name[i:]
		name = name[:i]
	}
	limit := n - len(ext)
	for len(name) > limit {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	// Do not leave half of a \uXXXX escape (EscapeBidi).
	if i := strings.LastIndexByte(name, '\\'); i >= 0 && len(name)-i < len(`\u202E`) {
		name = name[:i]
	}
	return name + ext
}

// extByType maps the content types units send to a file extension, for
// parts that carry no name.
var extByType = map[string]string{
	"image/jpeg":         ".jpg",
	"image/jpg":          ".jpg",
	"image/pjpeg":        ".jpg",
	"image/png":          ".png",
	"image/gif":          ".gif",
	"image/webp":         ".webp",
	"image/heic":         ".heic",
	"image/heif":         ".heif",
	"image/bmp":          ".bmp",
	"image/tiff":         ".tif",
	"video/mp4":          ".mp4",
	"video/quicktime":    ".mov",
	"video/3gpp":         ".3gp",
	"video/x-msvideo":    ".avi",
	"video/avi":          ".avi",
	"video/x-ms-wmv":     ".wmv",
	"video/x-flv":        ".flv",
	"video/x-matroska":   ".mkv",
	"video/webm":         ".webm",
	"video/mpeg":         ".mpg",
	"video/mp2t":         ".ts",
	"application/pdf":    ".pdf",
	"application/msword": ".doc",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
	"application/vnd.ms-excel": ".xls",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         ".xlsx",
	"application/vnd.ms-powerpoint":                                             ".ppt",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
	"application/vnd.oasis.opendocument.text":                                   ".odt",
	"application/vnd.oasis.opendocument.spreadsheet":                            ".ods",
	"application/kswps":            ".wps",
	"application/vnd.ms-works":     ".wps",
	"application/kset":             ".et",
	"application/zip":              ".zip",
	"application/x-zip-compressed": ".zip",
	"application/x-rar-compressed": ".rar",
	"application/vnd.rar":          ".rar",
	"application/x-rar":            ".rar",
	"application/x-7z-compressed":  ".7z",
	"message/rfc822":               ".eml",
	"text/plain":                   ".txt",
	"text/html":                    ".html",
	"text/csv":                     ".csv",
	"text/calendar":                ".ics",
	"application/rtf":              ".rtf",
	"text/rtf":                     ".rtf",
}

// NameForType derives a file name for a part that has none, from its MIME
// part number and content type: "part2.jpg", "part1.3.bin".
func NameForType(path, contentType string) string {
	ext, ok := extByType[strings.ToLower(contentType)]
	if !ok {
		ext = ".bin"
	}
	return fmt.Sprintf("part%s%s", path, ext)
}
