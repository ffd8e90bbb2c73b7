package console

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"
	"unicode"
)

// file streams a file a unit sent. The file is named by its SHA-256 and
// must belong to the campaign in the URL: a file of another campaign is
// not found here, and the name it is saved under is the one stored, never
// one from the request.
func (c *Console) file(w http.ResponseWriter, r *http.Request, s *snapshot) {
	sha := strings.ToLower(r.PathValue("sha256"))
	a := s.index().files[sha]
	if !isSHA256(sha) || a == nil {
		c.fail(w, r, http.StatusNotFound, "本活动中没有这个文件。")
		return
	}
	if c.o.Files == nil {
		c.fail(w, r, http.StatusServiceUnavailable, "此处无法下载文件：文件存放在 shoubao run 的数据目录中，请在 shoubao run 的配置中设置 http.listen，通过它打开控制台。")
		return
	}
	rc, err := c.o.Files.OpenFile(r.Context(), sha)
	if err != nil {
		c.o.Log.Warn("console: open file", "sha256", sha, "err", err)
		c.fail(w, r, http.StatusNotFound, "文件没有保存下来（可能是压缩包中无法解开的文件），无法下载。")
		return
	}
	defer rc.Close()
	ext := strings.ToLower(path.Ext(a.Name))
	ctype := contentTypes[ext]
	if ctype == "" {
		ctype = mime.TypeByExtension(ext)
	}
	// Never a type a browser would render as a page or run.
	if ctype == "" || strings.HasPrefix(ctype, "text/") || strings.Contains(ctype, "/xml") || strings.Contains(ctype, "+xml") ||
		strings.Contains(ctype, "javascript") {
		ctype = "application/octet-stream"
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", contentDisposition(a.Name))
	h.Set("Cache-Control", "private, no-store")
	if _, err := io.Copy(w, rc); err != nil {
		c.o.Log.Warn("console: download", "sha256", sha, "err", err)
	}
}

// contentTypes are the types of the files units send, whatever the
// system's MIME table holds.
var contentTypes = map[string]string{
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".doc":  "application/msword", ".xls": "application/vnd.ms-excel", ".wps": "application/vnd.ms-works",
	".et": "application/vnd.ms-excel", ".pdf": "application/pdf", ".zip": "application/zip",
	".rar": "application/vnd.rar", ".7z": "application/x-7z-compressed",
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".heic": "image/heic",
	".mp4": "video/mp4", ".mov": "video/quicktime", ".avi": "video/x-msvideo", ".wmv": "video/x-ms-wmv",
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// contentDisposition names a download (RFC 6266): an ASCII fallback in
// filename for old clients, and the real name, Chinese and all, in
// filename* (RFC 5987, UTF-8, percent-encoded).
func contentDisposition(name string) string {
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '/' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	if name == "" {
		name = "file"
	}
	var fallback strings.Builder
	for _, r := range name {
		switch {
		case r < 0x20 || r > 0x7e || r == '"' || r == '%' || r == ';':
			fallback.WriteByte('_')
		default:
			fallback.WriteRune(r)
		}
	}
	return `attachment; filename="` + fallback.String() + `"; filename*=UTF-8''` + rfc5987(name)
}

// rfc5987 percent-encodes everything but RFC 5987's attr-char.
func rfc5987(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
