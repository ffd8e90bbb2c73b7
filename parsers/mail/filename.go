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
// components (either slash) are removed, control characters dropped, "." and
// ".." rejected, the result put in NFC and cut to 255 bytes keeping the
// extension. changed reports whether anything other than NFC normalisation
// was needed.
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
	if len(name) > maxNameBytes {
		name = cutName(name, maxNameBytes)
	}
	return name, name != norm.NFC.String(strings.TrimSpace(orig))
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
