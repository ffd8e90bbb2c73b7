// Package receipts decides who gets an automatic receipt (回执) and writes
// it: what arrived, what is wrong, what the unit still lacks, by when, and
// how to correct it — in plain Chinese, from the rules' judgment.
package receipts

import (
	"net/mail"
	"strings"

	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/outmail"
	"github.com/shoubao/shoubao/pipeline/rules"
	"github.com/shoubao/shoubao/sinks"
)

// Kind is the job kind of a receipt.
const Kind = "receipt"

// Reasons a receipt is not sent, as recorded on its job.
const (
	ReasonRobot   = "robot"   // followed by the rule: "robot: Auto-Submitted: auto-replied"
	ReasonInquiry = "inquiry" // a question: an officer answers it
	ReasonReply   = "reply"   // 收到, 谢谢: nothing to answer
	ReasonNoMail  = "no_recipient"
	ReasonLimit   = "limit" // the per-recipient limit was reached
	ReasonOff     = "off"   // receipts were switched off before it was sent
)

// Decide returns the receipt job for a message being stored, decided in
// the transaction that stores it: pending for a submission, supplement,
// resubmission or duplicate from a person; skipped, with the reason, for
// robots, inquiries and replies. ok is false when the campaign sends no
// receipts at all (mode off).
func Decide(c *campaign.Campaign, stored *sinks.Message) (job sinks.Job, ok bool) {
	if c.Receipts.Mode == "" || c.Receipts.Mode == "off" {
		return sinks.Job{}, false
	}
	m := rules.FromStored([]sinks.Message{*stored})[0]
	job = sinks.Job{CampaignID: c.ID, Kind: Kind, Key: m.Key, MailboxID: fromMailbox(c, &m, stored.MailboxID),
		Recipient: Recipient(&m), State: sinks.JobPending}
	var contacts []string
	for _, mb := range c.Mailboxes {
		contacts = append(contacts, mb.Address)
	}
	switch cat := rules.Categorize(&m); {
	case Robot(&m, contacts) != "":
		job.State, job.Reason = sinks.JobSkipped, ReasonRobot+": "+Robot(&m, contacts)
	case cat == rules.Inquiry:
		job.State, job.Reason = sinks.JobSkipped, ReasonInquiry
	case cat == rules.Reply:
		job.State, job.Reason = sinks.JobSkipped, ReasonReply
	case !cat.Counts() || (cat == rules.Malformed && !m.HasMaterial()):
		job.State, job.Reason = sinks.JobSkipped, string(cat)
	case job.Recipient == "":
		job.State, job.Reason = sinks.JobSkipped, ReasonNoMail
	}
	return job, true
}

// Recipient is where a receipt goes: Reply-To, else From; "" when neither
// is an address.
func Recipient(m *rules.Message) string {
	for _, a := range []string{m.ReplyTo, m.FromAddress} {
		if p, err := mail.ParseAddress(outmail.Clean(a)); err == nil {
			return strings.ToLower(p.Address)
		}
	}
	return ""
}

// fromMailbox is the contact mailbox a receipt goes out from: the one the
// unit wrote to (To before Cc), else the one the message was found in.
func fromMailbox(c *campaign.Campaign, m *rules.Message, found string) string {
	for _, list := range [][]string{m.To, m.Cc} {
		for _, a := range list {
			p, err := mail.ParseAddress(a)
			if err != nil {
				continue
			}
			for _, mb := range c.Mailboxes {
				if strings.EqualFold(mb.Address, p.Address) {
					return mb.ID
				}
			}
		}
	}
	return found
}
