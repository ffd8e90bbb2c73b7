package export

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Bounds of a name in the zip: short enough for a Windows path (260
// characters) under a folder or two, and for any file system's 255 bytes.
const (
	maxNameRunes = 80
	maxNameBytes = 200
	maxExtRunes  = 16
)

// escapedDirection matches the visible escapes parsers/inspect writes for
// characters that change the display direction (活动总结\u202Excod.exe).
var escapedDirection = regexp.MustCompile(`\\u(202[A-Ea-e]|206[6-9]|200[EFef]|061[Cc])`)

// SafeName makes a file or folder name safe to write into a zip and to
// extract anywhere: the last component of a path only (no "../", no
// absolute path, no drive), no control characters, no characters that
// change the display direction (U+202A–U+202E, U+2066–U+2069, U+200E,
// U+200F, U+061C, also as inspect's \uXXXX escapes) or are invisible, none
// of Windows' reserved characters (<>:"|?*) or device names (CON, NUL…),
// no leading or trailing dots and spaces, at most 80 characters and 200
// bytes with the extension kept. NFC. An empty result is "未命名".
func SafeName(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = escapedDirection.ReplaceAllString(name, "")
	name = norm.NFC.String(name)
	// The last component of a path, whichever separator it uses.
	parts := strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' })
	name = ""
	for i := len(parts) - 1; i >= 0; i-- {
		if p := strings.Trim(parts[i], ". "); p != "" {
			name = parts[i]
			break
		}
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r) && r != 0x85:
			return ' '
		case hidden(r):
			return -1
		case strings.ContainsRune(`<>:"|?*`, r):
			return '_'
		}
		return r
	}, name)
	name = strings.Join(strings.Fields(name), " ")
	name = strings.Trim(name, ". ")
	if name == "" {
		return "未命名"
	}
	base, ext := splitExt(name)
	if reserved(base) {
		base = "_" + base
	}
	return bound(base, ext)
}

// FolderName is SafeName for a unit's folder: a slash in the name
// ("市科协/科技馆") is kept as "_" rather than taken for a path.
func FolderName(name string) string {
	return SafeName(strings.NewReplacer("/", "_", "\\", "_").Replace(name))
}

// hidden reports whether r is a control character, changes the display
// direction, or is invisible.
func hidden(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	case r >= 0x200b && r <= 0x200d, r == 0x2060, r == 0xfeff, r == 0xad:
		return true
	}
	return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Co, r) || r == utf8.RuneError
}

// reserved reports whether base is a Windows device name.
func reserved(base string) bool {
	// Windows looks at what precedes the first dot: CON.tar.gz is CON.
	b, _, _ := strings.Cut(base, ".")
	b = strings.ToUpper(strings.TrimRight(b, " "))
	switch b {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(b) == 4 && (strings.HasPrefix(b, "COM") || strings.HasPrefix(b, "LPT")) && b[3] >= '0' && b[3] <= '9' {
		return true
	}
	return false
}

// splitExt splits "name.ext" into "name" and ".ext"; an extension longer
// than maxExtRunes, or a name that is all extension, is not one.
func splitExt(name string) (base, ext string) {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 || utf8.RuneCountInString(name[i:]) > maxExtRunes || strings.ContainsRune(name[i:], ' ') {
		return name, ""
	}
	return name[:i], name[i:]
}

// bound shortens base so that base+ext fits the limits.
func bound(base, ext string) string {
	for utf8.RuneCountInString(base)+utf8.RuneCountInString(ext) > maxNameRunes || len(base)+len(ext) > maxNameBytes {
		_, size := utf8.DecodeLastRuneInString(base)
		if size == 0 {
			break
		}
		base = base[:len(base)-size]
	}
	base = strings.TrimRight(base, ". ")
	if base == "" {
		base = "未命名"
	}
	return base + ext
}

// namer hands out names that are unique within one folder, compared as
// Windows and macOS do (case-insensitively): a clash becomes
// "name (2).ext", "name (3).ext"….
type namer struct{ taken map[string]bool }

func newNamer() *namer { return &namer{taken: map[string]bool{}} }

func (n *namer) take(name string) string {
	key := func(s string) string { return strings.ToLower(norm.NFC.String(s)) }
	if !n.taken[key(name)] {
		n.taken[key(name)] = true
		return name
	}
	base, ext := splitExt(name)
	for i := 2; ; i++ {
		suffix := fmt.Sprintf(" (%d)", i)
		cand := bound(base, suffix+ext) // shortens the base, never the number
		if !n.taken[key(cand)] {
			n.taken[key(cand)] = true
			return cand
		}
	}
}
