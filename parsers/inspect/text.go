package inspect

import (
	"html"
	"regexp"
	"strings"
)

var (
	reDropBlocks = regexp.MustCompile(`(?is)<(script|style|head)\b.*?</(script|style|head)\s*>`)
	reBreaks     = regexp.MustCompile(`(?i)<(br|/p|/div|/tr|/li|/h[1-6])\b[^>]*>`)
	reTags       = regexp.MustCompile(`(?s)<[^>]*>`)
	reBlankLines = regexp.MustCompile(`\n[ \t\x{3000}]*\n(\s*\n)+`)
)

// htmlText reduces an HTML body to its text, roughly, for the excerpt.
func htmlText(s string) string {
	s = reDropBlocks.ReplaceAllString(s, "")
	s = reBreaks.ReplaceAllString(s, "\n")
	s = reTags.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	s = strings.ReplaceAll(s, "\u00a0", " ")
	return reBlankLines.ReplaceAllString(s, "\n\n")
}
