package mail

import (
	"net/mail"
	"strings"
	"time"

	"github.com/emersion/go-message/textproto"
	"github.com/shoubao/shoubao/parsers/finding"
)

// Header holds the decoded fields of one message header that shoubao uses.
type Header struct {
	// Subject is the decoded subject (NFC, control characters replaced).
	Subject string
	// RawSubject is the Subject field value as sent (unfolded, undecoded).
	RawSubject string
	// From is the first sender as "名字 <addr>" (or the address alone).
	From string
	// FromAddress is the first sender's address, lower-cased.
	FromAddress string
	// To and Cc are the recipients, each "名字 <addr>" or the address.
	To, Cc []string
	// Date is the Date field; zero when missing or unreadable.
	Date time.Time
	// DateRaw is the Date field as sent.
	DateRaw string
	// MessageID is the Message-ID without angle brackets.
	MessageID string
	// Classify holds the fields classification looks at, keyed by canonical
	// name (Auto-Submitted, Precedence, List-Id, …), decoded.
	Classify map[string]string
}

// classifyFields are the header fields Classify reads.
// They are also kept (MessageInfo.Headers) for the rules that decide who
// gets an automatic receipt.
var classifyFields = []string{
	"Auto-Submitted", "X-Autoreply", "X-Autorespond", "X-Autoresponse",
	"Precedence", "X-Precedence", "List-Id", "List-Unsubscribe", "Return-Path",
	"X-Failed-Recipients", "Content-Type",
	"List-Post", "List-Help", "List-Subscribe", "List-Owner", "List-Archive",
	"X-Auto-Response-Suppress", "Reply-To", "In-Reply-To", "X-Shoubao-Receipt",
}

// decodeHeader decodes the fields of h that shoubao uses, reporting
// problems into fl.
func decodeHeader(h textproto.Header, fl *finding.List) Header {
	var out Header
	out.RawSubject = h.Get("Subject")
	subj, ctrl := DecodeText(out.RawSubject)
	out.Subject = subj
	if ctrl {
		fl.Add("header_control_chars", "邮件主题含有换行等控制字符，已替换为空格")
	}
	if from := parseAddressList(h.Get("From")); len(from) > 0 {
		out.From = from[0].String()
		out.FromAddress = from[0].Address
	}
	for _, a := range parseAddressList(h.Get("To")) {
		out.To = append(out.To, a.String())
	}
	for _, a := range parseAddressList(h.Get("Cc")) {
		out.Cc = append(out.Cc, a.String())
	}
	out.DateRaw = strings.TrimSpace(h.Get("Date"))
	if out.DateRaw != "" {
		t, err := parseDate(out.DateRaw)
		if err != nil {
			fl.Add("bad_date", "无法识别邮件日期：%q", clip(out.DateRaw, 80))
		} else {
			out.Date = t
		}
	}
	out.MessageID = strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>")
	out.Classify = map[string]string{}
	for _, k := range classifyFields {
		if h.Has(k) {
			v, _ := DecodeText(h.Get(k))
			out.Classify[k] = v
		}
	}
	return out
}

// parseDate reads a Date field leniently.
func parseDate(s string) (time.Time, error) {
	t, err := mail.ParseDate(s)
	if err == nil {
		return t, nil
	}
	// QUIRK: some web forms and old clients write dates in other layouts.
	for _, layout := range []string{
		"2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05", "2006/01/02 15:04:05",
		time.RFC3339, "Mon, 2 Jan 2006 15:04:05 MST", "Mon, 2 Jan 2006 15:04 -0700",
	} {
		if t, e := time.Parse(layout, strings.TrimSpace(stripComment(s))); e == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

func stripComment(s string) string {
	if i := strings.IndexByte(s, '('); i > 0 {
		return s[:i]
	}
	return s
}

// Address is one mailbox of an address field.
type Address struct {
	Name    string
	Address string
}

// String formats the address as "名字 <addr>", or the address alone.
func (a Address) String() string {
	if a.Name == "" {
		return a.Address
	}
	if a.Address == "" {
		return a.Name
	}
	return a.Name + " <" + a.Address + ">"
}

// parseAddressList splits an address field leniently: commas inside quotes,
// comments or angle brackets do not split; display names are decoded with
// DecodeText (so raw GBK names and split encoded-words work).
//
// QUIRK: net/mail rejects raw 8-bit display names and groups written by
// some clients, so the field is split here.
func parseAddressList(raw string) []Address {
	var out []Address
	for _, item := range splitAddresses(raw) {
		if a, ok := parseAddress(item); ok {
			out = append(out, a)
		}
	}
	return out
}

func splitAddresses(s string) []string {
	var out []string
	depthAngle, depthParen, inQuote := 0, 0, false
	start := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && inQuote:
			i++
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == '<':
			depthAngle++
		case c == '>' && depthAngle > 0:
			depthAngle--
		case c == '(':
			depthParen++
		case c == ')' && depthParen > 0:
			depthParen--
		case (c == ',' || c == ';') && depthAngle == 0 && depthParen == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func parseAddress(s string) (Address, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Address{}, false
	}
	// A group "name: a, b;" keeps only its members; the splitter has
	// already cut at commas, so drop a "name:" prefix without '@'.
	if i := strings.IndexByte(s, ':'); i >= 0 && !strings.Contains(s[:i], "@") && !strings.Contains(s[:i], "<") && !strings.Contains(s[:i], `"`) {
		s = strings.TrimSpace(s[i+1:])
	}
	var a Address
	if lt := strings.LastIndexByte(s, '<'); lt >= 0 {
		gt := strings.IndexByte(s[lt:], '>')
		if gt < 0 {
			gt = len(s) - lt
		}
		a.Address = strings.TrimSpace(s[lt+1 : lt+gt])
		name := strings.TrimSpace(s[:lt])
		name = strings.Trim(name, `"`)
		name = strings.ReplaceAll(name, `\"`, `"`)
		a.Name, _ = DecodeText(name)
	} else {
		addr := s
		if i := strings.IndexByte(addr, '('); i >= 0 {
			comment := strings.Trim(addr[i:], "() \t")
			a.Name, _ = DecodeText(comment)
			addr = addr[:i]
		}
		a.Address = strings.TrimSpace(addr)
	}
	a.Address = strings.ToLower(strings.Trim(a.Address, " \t\"'"))
	a.Address, _ = cleanControls(decodeRaw([]byte(a.Address)))
	if a.Address == "" && a.Name == "" {
		return Address{}, false
	}
	return a, true
}

// clip shortens s to at most n runes for messages.
func clip(s string, n int) string {
	r := []rune(strings.ToValidUTF8(s, "\uFFFD"))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}
