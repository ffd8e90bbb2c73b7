// Package outmail writes the mail shoubao sends (receipts, reminders,
// digests): plain text with a simple HTML alternative, attachments, and
// the headers that mark it as automatic, so that no robot answers it and
// no loop starts.
package outmail

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"
)

// Mail is one outgoing message.
type Mail struct {
	FromName, From string
	To             []string
	Subject        string
	// MessageID (without brackets) is the mail's own; InReplyTo (without
	// brackets) the message it answers, if any.
	MessageID, InReplyTo string
	Text, HTML           string
	Attachments          []Attachment
}

// Attachment is a file sent with a mail.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// Clean removes CR, LF and other control characters, so that a decoded
// header value can never add a header line.
func Clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			return -1
		}
		return r
	}, s)
}

// Bytes writes the mail as an RFC 5322 message dated now.
func (m *Mail) Bytes(now time.Time) ([]byte, error) {
	var hdr mail.Header
	hdr.SetDate(now)
	hdr.SetAddressList("From", []*mail.Address{{Name: Clean(m.FromName), Address: m.From}})
	var to []*mail.Address
	for _, a := range m.To {
		to = append(to, &mail.Address{Address: a})
	}
	hdr.SetAddressList("To", to)
	hdr.SetSubject(Clean(m.Subject))
	hdr.SetMessageID(m.MessageID)
	if m.InReplyTo != "" {
		hdr.Set("In-Reply-To", "<"+Clean(m.InReplyTo)+">")
		hdr.Set("References", "<"+Clean(m.InReplyTo)+">")
	}
	hdr.Set("Auto-Submitted", "auto-replied")
	hdr.Set("X-Auto-Response-Suppress", "All")
	hdr.Set("X-Shoubao-Receipt", "1")
	var buf bytes.Buffer
	var err error
	if len(m.Attachments) == 0 {
		err = m.writeInline(&buf, hdr)
	} else {
		err = m.writeMixed(&buf, hdr)
	}
	if err != nil {
		return nil, fmt.Errorf("write mail: %w", err)
	}
	return buf.Bytes(), nil
}

func (m *Mail) writeInline(buf *bytes.Buffer, hdr mail.Header) error {
	w, err := mail.CreateInlineWriter(buf, hdr)
	if err != nil {
		return err
	}
	if err := m.alternatives(w); err != nil {
		return err
	}
	return w.Close()
}

func (m *Mail) writeMixed(buf *bytes.Buffer, hdr mail.Header) error {
	w, err := mail.CreateWriter(buf, hdr)
	if err != nil {
		return err
	}
	iw, err := w.CreateInline()
	if err != nil {
		return err
	}
	if err := m.alternatives(iw); err != nil {
		return err
	}
	if err := iw.Close(); err != nil {
		return err
	}
	for _, a := range m.Attachments {
		var ah mail.AttachmentHeader
		ah.Set("Content-Type", a.ContentType)
		ah.SetFilename(a.Name)
		ah.Set("Content-Transfer-Encoding", "base64")
		// QUIRK: some Chinese webmail readers show only the RFC 2047 name.
		ah.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
		aw, err := w.CreateAttachment(ah)
		if err != nil {
			return err
		}
		if _, err := aw.Write(a.Data); err != nil {
			return err
		}
		if err := aw.Close(); err != nil {
			return err
		}
	}
	return w.Close()
}

func (m *Mail) alternatives(w *mail.InlineWriter) error {
	for _, p := range []struct{ ctype, body string }{
		{"text/plain; charset=utf-8", m.Text},
		{"text/html; charset=utf-8", "<html><body>\n" + m.HTML + "</body></html>\n"},
	} {
		var ph mail.InlineHeader
		ph.Set("Content-Type", p.ctype)
		ph.Set("Content-Transfer-Encoding", "base64")
		pw, err := w.CreatePart(ph)
		if err != nil {
			return err
		}
		if _, err := pw.Write([]byte(p.body)); err != nil {
			return err
		}
		if err := pw.Close(); err != nil {
			return err
		}
	}
	return nil
}

// MessageID derives a mail's own Message-ID (without brackets) from what
// it is (parts: campaign, key…), so that composing it again gives the same
// one and the Sent folder tells whether it went out:
// "<kind>.<hash>@<the sending mailbox's domain>".
func MessageID(kind, from string, parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	domain := "shoubao.invalid"
	if i := strings.LastIndexByte(from, '@'); i >= 0 {
		domain = from[i+1:]
	}
	return kind + "." + hex.EncodeToString(h[:16]) + "@" + domain
}
