package receipts

import (
	"strings"

	"github.com/shoubao/shoubao/pipeline/rules"
)

// Robot reports whether a message was sent by a machine, naming the rule
// that says so ("" for a person). A receipt to a robot at best goes
// nowhere and at worst starts a loop of automatic answers, so every sign
// counts (RFC 3834 and the providers' own habits):
//   - the parser's class: bounce, auto_reply, bulk;
//   - an empty or MAILER-DAEMON Return-Path;
//   - Auto-Submitted other than "no"; Precedence bulk, list, junk or
//     auto_reply; any List-* header; X-Auto-Response-Suppress;
//     X-Autoreply, X-Autorespond, X-Autoresponse;
//   - a multipart/report (delivery status, read receipt);
//   - a sender local part mailer-daemon, postmaster, noreply, no-reply,
//     do-not-reply, donotreply, owner-*, *-request, bounce*;
//   - a sender that is one of the contact mailboxes;
//   - shoubao's own receipts (X-Shoubao-Receipt, or a subject that starts
//     with 自动回执): the loop guard.
func Robot(m *rules.Message, contactMailboxes []string) string {
	switch m.Class {
	case "bounce", "auto_reply", "bulk":
		return "class " + m.Class
	}
	h := m.Headers
	if rp, ok := h["Return-Path"]; ok {
		rp = strings.ToLower(strings.Trim(strings.TrimSpace(rp), "<>"))
		if rp == "" || strings.HasPrefix(rp, "mailer-daemon@") || rp == "mailer-daemon" {
			return "Return-Path " + h["Return-Path"]
		}
	}
	if v, ok := h["Auto-Submitted"]; ok && !strings.EqualFold(strings.TrimSpace(v), "no") {
		return "Auto-Submitted: " + v
	}
	for _, k := range []string{"Precedence", "X-Precedence"} {
		switch strings.ToLower(strings.TrimSpace(h[k])) {
		case "bulk", "list", "junk", "auto_reply":
			return k + ": " + h[k]
		}
	}
	for k := range h {
		if strings.HasPrefix(k, "List-") {
			return k + " header"
		}
	}
	for _, k := range []string{"X-Auto-Response-Suppress", "X-Autoreply", "X-Autorespond", "X-Autoresponse", "X-Shoubao-Receipt"} {
		if _, ok := h[k]; ok {
			return k + " header"
		}
	}
	if m.Report != "" {
		return "multipart/report " + m.Report
	}
	if strings.HasPrefix(strings.TrimSpace(m.Subject), "自动回执") {
		return "a receipt's subject"
	}
	addr := m.FromAddress
	if addr == "" {
		return "no sender address"
	}
	if r := RobotAddress(addr); r != "" {
		return r
	}
	for _, c := range contactMailboxes {
		if strings.EqualFold(c, addr) {
			return "sent by a contact mailbox"
		}
	}
	return ""
}

// RobotAddress names the rule by which an address is a machine's
// (mailer-daemon, postmaster, noreply, owner-*, *-request, bounce*), or
// returns "".
func RobotAddress(addr string) string {
	addr = strings.ToLower(strings.TrimSpace(addr))
	local := addr
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		local = addr[:i]
	}
	switch {
	case local == "mailer-daemon", local == "postmaster", local == "noreply", local == "no-reply",
		local == "do-not-reply", local == "donotreply", local == "do_not_reply",
		strings.HasPrefix(local, "owner-"), strings.HasSuffix(local, "-request"), strings.HasPrefix(local, "bounce"):
		return "sender " + addr
	}
	return ""
}
