package demo

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"fmt"
	"mime"
	"net/url"
	"strings"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// How a file name is written in the MIME header, as different mail clients
// do it.
const (
	nameGBKWord    = "gbk-2047"  // Foxmail, 163 web mail: =?GBK?B?…?=
	nameGBK2231    = "gbk-2231"  // Outlook in some versions: filename*=GBK''%..
	nameRawGBK     = "raw-gbk"   // old clients: raw 8-bit GBK bytes (non-compliant)
	nameUTF8Word   = "utf8-2047" // QQ mail, modern clients: =?UTF-8?B?…?=
	contentTypeBin = "application/octet-stream"
)

// attachment is one file to attach.
type attachment struct {
	name     string
	nameMode string
	ctype    string
	data     []byte
}

// mailSpec describes one message of the sample mailbox.
type mailSpec struct {
	from, to   string
	subject    string
	date       time.Time
	body       string
	html       string // optional HTML alternative
	files      []attachment
	forwarded  []byte // a message/rfc822 part (a forwarded submission)
	autoReply  bool
	messageID  string
	extraHeads []string
}

func gbk(s string) []byte {
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(fmt.Sprintf("demo: %q is not GBK-encodable: %v", s, err))
	}
	return b
}

func gbkWord(s string) string { return "=?GBK?B?" + base64.StdEncoding.EncodeToString(gbk(s)) + "?=" }

func b64Lines(data []byte) string {
	enc := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteString("\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc)
	b.WriteString("\r\n")
	return b.String()
}

// compose writes the message as raw RFC 5322 bytes, the way a Chinese mail
// client would: GBK subject and body, names encoded per attachment.
func compose(m mailSpec) []byte {
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...); b.WriteString("\r\n") }
	boundary := fmt.Sprintf("----=_NextPart_%x", m.date.UnixNano())
	w("From: %s", m.from)
	w("To: %s", m.to)
	w("Subject: %s", gbkWord(m.subject))
	w("Date: %s", m.date.Format(time.RFC1123Z))
	if m.messageID == "" {
		m.messageID = fmt.Sprintf("%x.%s", m.date.UnixNano(), strings.SplitN(m.from, "@", 2)[0])
	}
	w("Message-ID: <%s@demo.shoubao>", m.messageID)
	w("MIME-Version: 1.0")
	w("X-Mailer: Foxmail 7.2.25.228[cn]")
	if m.autoReply {
		w("Auto-Submitted: auto-replied")
		w("X-Autoreply: yes")
	}
	for _, h := range m.extraHeads {
		w("%s", h)
	}
	w("Content-Type: multipart/mixed; boundary=\"%s\"", boundary)
	w("")
	w("This is a multi-part message in MIME format.")
	w("")
	w("--%s", boundary)
	if m.html != "" {
		alt := boundary + "_alt"
		w("Content-Type: multipart/alternative; boundary=\"%s\"", alt)
		w("")
		w("--%s", alt)
		writeText(&b, "text/plain", m.body)
		w("--%s", alt)
		writeText(&b, "text/html", m.html)
		w("--%s--", alt)
	} else {
		writeText(&b, "text/plain", m.body)
	}
	for _, f := range m.files {
		w("--%s", boundary)
		ctype := f.ctype
		if ctype == "" {
			ctype = contentTypeBin
		}
		switch f.nameMode {
		case nameGBK2231:
			w("Content-Type: %s", ctype)
			w("Content-Disposition: attachment;\r\n\tfilename*=GBK''%s", strings.ReplaceAll(url.QueryEscape(string(gbk(f.name))), "+", "%20"))
		case nameRawGBK:
			w("Content-Type: %s; name=\"%s\"", ctype, gbk(f.name))
			w("Content-Disposition: attachment; filename=\"%s\"", gbk(f.name))
		case nameUTF8Word:
			enc := mime.BEncoding.Encode("UTF-8", f.name)
			w("Content-Type: %s; name=\"%s\"", ctype, enc)
			w("Content-Disposition: attachment; filename=\"%s\"", enc)
		default:
			w("Content-Type: %s; name=\"%s\"", ctype, gbkWord(f.name))
			w("Content-Disposition: attachment; filename=\"%s\"", gbkWord(f.name))
		}
		w("Content-Transfer-Encoding: base64")
		w("")
		b.WriteString(b64Lines(f.data))
	}
	if m.forwarded != nil {
		w("--%s", boundary)
		w("Content-Type: message/rfc822")
		w("Content-Disposition: attachment")
		w("")
		b.Write(m.forwarded)
		w("")
	}
	w("--%s--", boundary)
	return b.Bytes()
}

func writeText(b *bytes.Buffer, ctype, text string) {
	fmt.Fprintf(b, "Content-Type: %s; charset=\"GBK\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s", ctype, b64Lines(gbk(text)))
}

// zipGBK builds a zip the way Windows' "send to compressed folder" does:
// member names in GBK, without the UTF-8 flag.
func zipGBK(files []attachment) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: string(gbk(f.name)), Method: zip.Deflate, NonUTF8: true,
			Modified: time.Date(2026, 5, 30, 9, 0, 0, 0, time.UTC)})
		if err != nil {
			panic(err)
		}
		if _, err := fw.Write(f.data); err != nil {
			panic(err)
		}
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}
