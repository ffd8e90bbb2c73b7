// Package sinks holds the records shoubao stores and the errors its stores
// return. The store itself is sinks/sqlstore, one implementation over
// PostgreSQL (production) and SQLite (the embedded default);
// sinks/storetest is the conformance suite it passes on both.
package sinks

import (
	"encoding/json"
	"errors"
	"time"
)

// The store's errors. A store translates its driver's errors into these at
// its boundary and wraps them with the operation's name, so callers test
// them with errors.Is and never see a driver's error types.
var (
	// ErrNotFound: the requested record does not exist.
	ErrNotFound = errors.New("not found")
	// ErrUnavailable: the database cannot be reached or refuses us —
	// connection refused, host unreachable, DNS failure, authentication
	// or unknown role/database, server shutting down, too many
	// connections, an SQLite file that cannot be opened or stays locked.
	// Usually temporary or a configuration error; retrying later may help.
	ErrUnavailable = errors.New("store unavailable")
	// ErrCorrupt: the database is damaged (an SQLite file that is not a
	// database or fails its integrity checks; PostgreSQL's data_corrupted
	// and index_corrupted). Retrying does not help; restore or repair it.
	ErrCorrupt = errors.New("store corrupt")
)

// Checkpoint is a mailbox's durable sync position and health.
type Checkpoint struct {
	MailboxID  string
	CampaignID string
	Address    string
	// UIDValidity and LastUID: every message with a UID up to LastUID in
	// this UIDVALIDITY epoch has been published and acknowledged by the bus.
	UIDValidity uint32
	LastUID     uint32
	// LastSync is the end of the last successful sync (zero: never).
	LastSync time.Time
	// LastError is the last sync error ("" after a successful sync) and
	// LastErrorAt when it happened.
	LastError   string
	LastErrorAt time.Time
}

// Message is one stored email: where it came from, what it is, and what
// shoubao read in it.
type Message struct {
	ID         int64
	CampaignID string
	MailboxID  string
	// UIDValidity and UID locate the message in its mailbox (the latest
	// known location, for post-processing).
	UIDValidity uint32
	UID         uint32
	// RawObject names the raw bytes in the bus's raw object store.
	RawObject string
	RawSHA256 string
	RawSize   int64
	// InternalDate is when the mail server received it (what the deadline
	// is checked against).
	InternalDate time.Time
	MessageID    string
	Subject      string
	From         string
	To           []string
	Cc           []string
	// Date is the sender's Date header (zero when absent or unreadable).
	Date time.Time
	// Class is submission, auto_reply, bounce, bulk or malformed.
	Class string
	// Unit is the roster unit the message was attributed to ("" unknown),
	// and UnitBy how: sender, name, stats or "".
	Unit   string
	UnitBy string
	Late   bool
	// Findings about the message as a whole (JSON array of findings).
	Findings json.RawMessage
	// Analysis is the whole inspection tree (the probe JSON).
	Analysis    json.RawMessage
	Attachments []Attachment
	Links       []Link
	StoredAt    time.Time
	// Jobs are outgoing mail decided because of this message (its
	// receipt), inserted in the same transaction when the message is new;
	// a job whose (campaign, kind, key) exists already is left as it is.
	Jobs []Job
}

// Attachment is one file found in a message: a MIME part, an archive
// member, or a forwarded message.
type Attachment struct {
	// Index is the position in a depth-first walk of the tree (0-based);
	// Parent is the index of the containing part, or -1 at the top.
	Index       int
	Parent      int
	Name        string
	ContentType string
	Kind        string
	Size        int64
	SHA256      string
	// Details holds the kind-specific analysis (video, stats, recommend,
	// message) as JSON, or nil.
	Details  json.RawMessage
	Findings json.RawMessage
}

// Link is a large-attachment (超大附件) or cloud-drive link found in a body.
type Link struct {
	Provider string
	URL      string
	Name     string
	Size     int64
	Expires  string
}

// DeadLetter is a message that kept failing: its raw bytes are kept in the
// raw object store, named by RawObject.
type DeadLetter struct {
	ID          int64
	CampaignID  string
	MailboxID   string
	RawObject   string
	UIDValidity uint32
	UID         uint32
	Error       string
	Attempts    int
	FailedAt    time.Time
}

// CampaignCount sums up one campaign's stored messages.
type CampaignCount struct {
	CampaignID  string
	Messages    int
	Submissions int
	Units       int
	Late        int
	DeadLetters int
}

// PostProcessItem is a stored message whose mailbox action is still due.
type PostProcessItem struct {
	MessageID   int64
	UIDValidity uint32
	UID         uint32
}
