package links

import (
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// provider recognises one service's share or download links.
type provider struct {
	name  string
	match func(host, path, query string) bool
}

func hostIs(host string, names ...string) bool {
	for _, n := range names {
		if host == n || strings.HasSuffix(host, "."+n) {
			return true
		}
	}
	return false
}

// providers lists the services, most specific first.
var providers = []provider{
	{"163mail", func(h, p, q string) bool {
		return hostIs(h, "mail.163.com", "mail.126.com", "mail.yeah.net") && strings.Contains(p, "large-attachment-download")
	}},
	{"163dashi", func(h, p, q string) bool {
		return hostIs(h, "dashi.163.com") && strings.Contains(p, "cloud-attachment-download")
	}},
	{"qqmail", func(h, p, q string) bool {
		return (hostIs(h, "mail.qq.com") && (strings.Contains(p, "/cgi-bin/ftnExs_download") || strings.Contains(p, "/ftn/download"))) ||
			(hostIs(h, "wx.mail.qq.com", "iwx.mail.qq.com") && strings.Contains(p, "/ftn/"))
	}},
	{"qqexmail", func(h, p, q string) bool {
		return hostIs(h, "exmail.qq.com") && (strings.Contains(p, "ftnExs_download") || strings.Contains(p, "/ftn/"))
	}},
	{"baidu", func(h, p, q string) bool {
		return hostIs(h, "pan.baidu.com", "yun.baidu.com") && (strings.HasPrefix(p, "/s/") || strings.HasPrefix(p, "/share/"))
	}},
	{"aliyun", func(h, p, q string) bool {
		return hostIs(h, "aliyundrive.com", "alipan.com") && strings.HasPrefix(p, "/s/")
	}},
	{"115", func(h, p, q string) bool {
		return hostIs(h, "115.com", "115cdn.com", "anxia.com") && strings.HasPrefix(p, "/s/")
	}},
	{"lanzou", func(h, p, q string) bool {
		return strings.Contains(h, "lanzou") && len(strings.Trim(p, "/")) >= 4
	}},
	{"weiyun", func(h, p, q string) bool { return hostIs(h, "share.weiyun.com") }},
	{"189", func(h, p, q string) bool {
		return hostIs(h, "cloud.189.cn", "h5.cloud.189.cn") && (strings.HasPrefix(p, "/t/") || strings.Contains(p, "share"))
	}},
	{"139", func(h, p, q string) bool {
		return hostIs(h, "caiyun.139.com", "yun.139.com") && len(strings.Trim(p, "/")) > 0
	}},
	{"quark", func(h, p, q string) bool { return hostIs(h, "pan.quark.cn") && strings.HasPrefix(p, "/s/") }},
	{"123pan", func(h, p, q string) bool {
		return hostIs(h, "123pan.com", "123pan.cn", "123684.com", "123865.com", "123912.com") && strings.HasPrefix(p, "/s/")
	}},
}

// Provider returns the provider of a large-attachment or cloud-drive URL,
// or "" when the URL is not one.
func Provider(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	for _, p := range providers {
		if p.match(host, u.Path, u.RawQuery) {
			return p.name
		}
	}
	return ""
}

var (
	reAnchor  = regexp.MustCompile(`(?is)<a\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))[^>]*>(.*?)</a\s*>`)
	reTag     = regexp.MustCompile(`(?s)<[^>]*>`)
	reURL     = regexp.MustCompile(`https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]+`)
	reSize    = regexp.MustCompile(`(?i)(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB|K|M|G|T)\b`)
	reExpiry  = regexp.MustCompile(`(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?(?:\s*(\d{1,2})[:：](\d{2}))?\s*(?:前)?\s*(?:到期|过期|失效)`)
	reExpiry2 = regexp.MustCompile(`(?:有效期至|过期时间[:：]?|到期时间[:：]?|截止)\s*(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?(?:\s*(\d{1,2})[:：](\d{2}))?`)
	reCode    = regexp.MustCompile(`(?:提取码|访问码|提取密码|密码|pwd|code)\s*[:：=]?\s*([A-Za-z0-9]{4,8})\b`)
	reFile    = regexp.MustCompile(`(?i)([^\s/\\:：*?"<>|()（）,，]+?\.(?:mp4|m4v|mov|3gp|avi|wmv|flv|mkv|mpg|mpeg|ts|webm|zip|rar|7z|docx?|wps|pdf|xlsx?|et|jpe?g|png|heic|pptx?))\b`)
)

// china is the time zone of dates written in bodies.
var china = time.FixedZone("CST", 8*3600)

// Find returns the large-attachment and cloud-drive links in a message's
// plain-text and HTML bodies, with the file name, size, expiry and
// extraction code the body states next to each. Links are deduplicated by
// URL, in order of appearance.
func Find(text, htmlBody string) []Link {
	var out []Link
	index := map[string]int{}
	add := func(l Link) {
		if i, ok := index[l.URL]; ok {
			merge(&out[i], l)
			return
		}
		index[l.URL] = len(out)
		out = append(out, l)
	}
	for _, m := range reAnchor.FindAllStringSubmatchIndex(htmlBody, -1) {
		href := ""
		for g := 1; g <= 3; g++ {
			if m[2*g] >= 0 {
				href = htmlBody[m[2*g]:m[2*g+1]]
			}
		}
		u := cleanURL(html.UnescapeString(href))
		p := Provider(u)
		if p == "" {
			continue
		}
		inner := plain(htmlBody[m[8]:m[9]])
		after := plain(htmlBody[m[1]:min(len(htmlBody), m[1]+600)])
		before := plain(htmlBody[max(0, m[0]-600):m[0]])
		add(describe(p, u, inner, before, after))
	}
	scanText := func(s string) {
		prevEnd := 0 // the text before a link stops at the previous link
		for _, m := range reURL.FindAllStringIndex(s, -1) {
			u := cleanURL(s[m[0]:m[1]])
			p := Provider(u)
			if p == "" {
				continue
			}
			before := s[max(prevEnd, m[0]-300):m[0]]
			prevEnd = m[1]
			if i := strings.LastIndex(before, "\n\n"); i >= 0 {
				before = before[i:]
			}
			after := s[m[1]:min(len(s), m[1]+200)]
			if i := strings.Index(after, "\n"); i >= 0 {
				after = after[:i]
			}
			add(describe(p, u, "", before, after))
		}
	}
	scanText(text)
	if htmlBody != "" {
		scanText(plain(htmlBody))
	}
	return out
}

// validUTF8 drops partial runes left by cutting a string at byte offsets.
func validUTF8(s string) string { return strings.ToValidUTF8(s, "") }

// plain strips tags and entities.
func plain(s string) string {
	s = reTag.ReplaceAllString(s, " ")
	s = html.UnescapeString(s)
	return strings.ReplaceAll(s, "\u00a0", " ")
}

// cleanURL trims punctuation that follows URLs in prose.
func cleanURL(u string) string {
	u = strings.TrimSpace(u)
	return strings.TrimRight(u, ".,;:!?)]}'\"")
}

// describe builds a link from its URL and the text around it: the anchor
// text (HTML), the text before and after.
func describe(provider, u, anchor, before, after string) Link {
	// The windows around a link are cut at byte offsets.
	anchor, before, after = validUTF8(anchor), validUTF8(before), validUTF8(after)
	l := Link{Provider: provider, URL: u}
	if n := fileName(anchor); n != "" {
		l.Name = n
	} else if ms := reFile.FindAllStringSubmatch(before, -1); len(ms) > 0 {
		l.Name = ms[len(ms)-1][1]
	}
	ctx := anchor + " " + after
	if l.Name != "" && anchor == "" {
		// In plain text the size follows the name, before the URL.
		if i := strings.LastIndex(before, l.Name); i >= 0 {
			ctx = before[i+len(l.Name):] + " " + after
		}
	}
	if m := reSize.FindStringSubmatch(ctx); m != nil {
		l.Size = parseSize(m[1], m[2])
	}
	if t, ok := expiry(ctx); ok {
		l.Expires = t
	} else if t, ok := expiry(before); ok && (provider == "163mail" || provider == "qqmail" || provider == "qqexmail" || provider == "163dashi") {
		l.Expires = t
	}
	if q, err := url.Parse(u); err == nil {
		if pwd := q.Query().Get("pwd"); pwd != "" {
			l.Code = pwd
		}
	}
	if l.Code == "" && isDrive(provider) {
		if m := reCode.FindStringSubmatch(after); m != nil {
			l.Code = m[1]
		}
	}
	return l
}

func isDrive(p string) bool {
	switch p {
	case "163mail", "163dashi", "qqmail", "qqexmail":
		return false
	}
	return true
}

// fileName returns s when it looks like a file name (has a known
// extension), else "".
func fileName(s string) string {
	s = strings.TrimSpace(s)
	if m := reFile.FindStringSubmatch(s); m != nil && len(m[1]) >= len(s)-2 {
		return m[1]
	}
	return ""
}

func parseSize(num, unit string) int64 {
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0
	}
	mult := 1.0
	switch strings.ToUpper(unit) {
	case "K", "KB":
		mult = 1 << 10
	case "M", "MB":
		mult = 1 << 20
	case "G", "GB":
		mult = 1 << 30
	case "T", "TB":
		mult = 1 << 40
	}
	return int64(f * mult)
}

// expiry finds an expiry date in s, as RFC 3339 in China time.
func expiry(s string) (string, bool) {
	m := reExpiry.FindStringSubmatch(s)
	if m == nil {
		m = reExpiry2.FindStringSubmatch(s)
	}
	if m == nil {
		return "", false
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	h, mi := 23, 59
	if m[4] != "" {
		h, _ = strconv.Atoi(m[4])
		mi, _ = strconv.Atoi(m[5])
	}
	if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 {
		return "", false
	}
	return time.Date(y, time.Month(mo), d, h, mi, 0, 0, china).Format(time.RFC3339), true
}

// merge fills empty fields of a from b.
func merge(a *Link, b Link) {
	if a.Name == "" {
		a.Name = b.Name
	}
	if a.Size == 0 {
		a.Size = b.Size
	}
	if a.Expires == "" {
		a.Expires = b.Expires
	}
	if a.Code == "" {
		a.Code = b.Code
	}
}
