package mail

import "strings"

// Class is what kind of message an email is, for the submission workflow.
type Class string

// Message classes.
const (
	// Submission is an ordinary message from a person: a unit's submission
	// (or a question, a correction…).
	Submission Class = "submission"
	// AutoReply is an automatic answer: out-of-office, read receipts,
	// RFC 3834 Auto-Submitted mail.
	AutoReply Class = "auto_reply"
	// Bounce is a delivery failure notice (DSN, MAILER-DAEMON, 退信).
	Bounce Class = "bounce"
	// Bulk is list or bulk mail: newsletters, notifications.
	Bulk Class = "bulk"
	// Malformed is a message whose header could not be read.
	Malformed Class = "malformed"
)

func (w *walker) classify(m *Message) { m.Class = Classify(m) }

// autoReplySubjects are subject fragments of automatic replies
// (compared case-insensitively).
var autoReplySubjects = []string{
	"自动回复", "自动答复", "自動回覆", "自動回復", "自动应答", "休假回复", "外出回复",
	"auto reply", "auto-reply", "autoreply", "automatic reply", "auto response",
	"autoresponse", "out of office", "out of the office", "away from office",
	"已读回执", "read receipt", "read: ", "已读：", "已读:",
}

// bounceSubjects are subject fragments of delivery failure notices.
var bounceSubjects = []string{
	"退信", "系统退信", "投递失败", "发送失败", "无法投递", "邮件被退回",
	"undeliverable", "undelivered mail", "delivery status notification",
	"mail delivery failed", "delivery failure", "returned mail",
	"failure notice", "mail delivery system", "delivery has failed",
}

// Classify decides the class of a message from its header and structure.
// Order of precedence: malformed, bounce, auto_reply, bulk, submission.
func Classify(m *Message) Class {
	h := m.Header
	if !m.HeaderOK || (h.From == "" && h.Subject == "" && h.DateRaw == "" && h.MessageID == "") {
		return Malformed
	}
	subject := strings.ToLower(h.Subject)
	local := h.FromAddress
	if i := strings.IndexByte(local, '@'); i >= 0 {
		local = local[:i]
	}
	switch {
	case m.Report == "delivery-status", m.Report == "global-delivery-status":
		return Bounce
	case local == "mailer-daemon" || local == "postmaster" || local == "mail-daemon":
		return Bounce
	case h.Classify["X-Failed-Recipients"] != "":
		return Bounce
	case containsAny(subject, bounceSubjects) && (h.Classify["Return-Path"] == "<>" || m.Status != "" || local == "" || strings.Contains(local, "daemon") || strings.Contains(local, "postmaster") || strings.Contains(local, "noreply") || strings.Contains(local, "no-reply")):
		return Bounce
	}
	if isAutoReply(m, subject) {
		return AutoReply
	}
	switch strings.ToLower(strings.TrimSpace(h.Classify["Precedence"] + h.Classify["X-Precedence"])) {
	case "bulk", "list", "junk":
		return Bulk
	}
	if h.Classify["List-Id"] != "" {
		return Bulk
	}
	return Submission
}

func isAutoReply(m *Message, subject string) bool {
	h := m.Header
	if v, ok := h.Classify["Auto-Submitted"]; ok && !strings.EqualFold(strings.TrimSpace(firstToken(v)), "no") {
		return true
	}
	for _, k := range []string{"X-Autoreply", "X-Autorespond", "X-Autoresponse"} {
		if v, ok := h.Classify[k]; ok && !strings.EqualFold(strings.TrimSpace(v), "no") {
			return true
		}
	}
	if strings.EqualFold(strings.TrimSpace(h.Classify["Precedence"]), "auto_reply") {
		return true
	}
	if m.Report == "disposition-notification" {
		return true
	}
	return containsAny(subject, autoReplySubjects)
}

// firstToken returns v up to the first ';' (Auto-Submitted may carry
// parameters).
func firstToken(v string) string {
	if i := strings.IndexByte(v, ';'); i >= 0 {
		return v[:i]
	}
	return v
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
