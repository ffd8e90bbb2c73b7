package sinks

import "time"

// Job is one piece of outgoing mail shoubao decided to send (a receipt
// now; reminders, digests and upward reports later): decided in the
// transaction that stored what caused it, once per (campaign, kind, key),
// then claimed, composed, sent and marked by a sender.
type Job struct {
	ID         int64
	CampaignID string
	// Kind is "receipt".
	Kind string
	// Key makes the job unique within its campaign and kind: for a
	// receipt, the key of the message it answers (its Message-ID, or
	// sha256:<hex>), so the same message in two mailboxes gets one.
	Key string
	// MailboxID is the contact mailbox it goes out from.
	MailboxID string
	Recipient string
	// State is one of the Job* states; Reason says why a job was not sent
	// (robot, inquiry, reply, limit…) or how it failed.
	State  string
	Reason string
	// Attempts counts the sending attempts; NextAt is when the next may
	// start; LeaseUntil is when a claim by a sender that went silent
	// lapses.
	Attempts   int
	NextAt     time.Time
	LeaseUntil time.Time
	// Subject, Body (the text part) and MessageID are the composed mail,
	// kept so that officers can read what was (or would be) sent.
	Subject   string
	Body      string
	MessageID string
	CreatedAt time.Time
	DoneAt    time.Time
}

// Job states.
const (
	JobPending   = "pending"   // waiting for a sender
	JobSending   = "sending"   // claimed by a sender
	JobSent      = "sent"      // accepted by the SMTP server
	JobPreviewed = "previewed" // composed and kept, not sent (preview mode)
	JobFailed    = "failed"    // refused (5xx) or retried until the last attempt
	JobSkipped   = "skipped"   // decided not to send: see Reason
)

// Count is a number of records sharing a key (a mailbox, a kind/state).
type Count struct {
	Key string
	N   int
}
