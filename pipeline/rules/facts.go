package rules

import (
	"encoding/json"
	"net/mail"
	"sort"
	"strings"
	"time"

	"github.com/shoubao/shoubao/parsers/finding"
	"github.com/shoubao/shoubao/parsers/sheets"
	"github.com/shoubao/shoubao/parsers/video"
	"github.com/shoubao/shoubao/sinks"
)

// Message is one email as the rules see it: the facts stored about it,
// whatever the number of contact mailboxes it reached.
type Message struct {
	// Key identifies the message across mailboxes: its Message-ID, or
	// "sha256:<hex>" of its raw bytes when it has none.
	Key       string
	MessageID string
	Subject   string
	// From is "名字 <addr>"; FromAddress the address alone, lower-case.
	From        string
	FromAddress string
	// Class is what the mail parser made of the header: submission,
	// auto_reply, bounce, bulk or malformed.
	Class string
	// Text is the start of the body.
	Text string
	// Copies are where the message was received, earliest first.
	Copies []Copy
	Files  []File
	Links  []Link
	// Findings are the parser's findings about the message as a whole.
	Findings []finding.Finding
	// ForwardedFrom are the original senders of forwarded messages inside
	// it, each "名字 <addr>".
	ForwardedFrom []string
	// To and Cc are the recipients as written ("名字 <addr>").
	To, Cc []string
	// ReplyTo is the Reply-To address ("" when none).
	ReplyTo string
	// Headers are the header fields that tell a robot from a person, by
	// canonical name (Auto-Submitted, Precedence, List-*, Return-Path…).
	Headers map[string]string
	// Report is the report-type of a multipart/report ("" when none).
	Report string
}

// Copy is one contact mailbox's copy of a message.
type Copy struct {
	Mailbox     string    `json:"mailbox"`
	UIDValidity uint32    `json:"uid_validity"`
	UID         uint32    `json:"uid"`
	Arrival     time.Time `json:"arrival"`
	// StoredID is the store's row id of this copy.
	StoredID int64 `json:"-"`
}

// Arrival is when the mail server first received the message (the
// earliest INTERNALDATE of its copies): what the deadline is checked
// against.
func (m *Message) Arrival() time.Time {
	if len(m.Copies) == 0 {
		return time.Time{}
	}
	return m.Copies[0].Arrival
}

// File is one file of a message (a part, an archive member, a file of a
// forwarded message).
type File struct {
	Name   string
	Kind   string
	Size   int64
	SHA256 string
	// Video is the measured video, or nil.
	Video *video.Info
	// StatsUnit is the unit on the statistics table's 盖章 line.
	StatsUnit string
	// Stats is the statistics table read from the file, or nil.
	Stats *sheets.Stats
	// TableRead: a statistics table with at least one value, or a
	// recommendation list with at least one row, was read from the file.
	TableRead bool
	Findings  []finding.Finding
}

// Link is a large-attachment (超大附件) or cloud-drive link in a body.
type Link struct {
	Provider string `json:"provider"`
	URL      string `json:"url"`
	Name     string `json:"name,omitempty"`
	Expires  string `json:"expires,omitempty"`
}

// judgedAtIngest are finding codes that older versions judged and stored
// at ingest; the rules compute them afresh and ignore the stored ones.
var judgedAtIngest = map[string]bool{"late": true, "unit_conflict": true, video.CodeTooLong: true}

// FromStored groups stored copies into messages: rows with the same
// Message-ID (or, without one, the same raw bytes) are one message with
// several copies. The result is ordered by arrival.
func FromStored(rows []sinks.Message) []Message {
	byKey := map[string]int{}
	var out []Message
	for _, r := range rows {
		key := r.MessageID
		if key == "" {
			key = "sha256:" + r.RawSHA256
		}
		cp := Copy{Mailbox: r.MailboxID, UIDValidity: r.UIDValidity, UID: r.UID, Arrival: r.InternalDate, StoredID: r.ID}
		if i, ok := byKey[key]; ok {
			out[i].Copies = append(out[i].Copies, cp)
			continue
		}
		byKey[key] = len(out)
		out = append(out, fromRow(key, r, cp))
	}
	for i := range out {
		sort.SliceStable(out[i].Copies, func(a, b int) bool { return out[i].Copies[a].Arrival.Before(out[i].Copies[b].Arrival) })
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Arrival().Before(out[b].Arrival()) })
	return out
}

func fromRow(key string, r sinks.Message, cp Copy) Message {
	m := Message{Key: key, MessageID: r.MessageID, Subject: r.Subject, From: r.From, FromAddress: address(r.From),
		Class: r.Class, Copies: []Copy{cp}, Findings: findings(r.Findings), To: r.To, Cc: r.Cc}
	var a struct {
		Message struct {
			From        string            `json:"from"`
			FromAddress string            `json:"from_address"`
			Text        string            `json:"text"`
			ReplyTo     string            `json:"reply_to"`
			Headers     map[string]string `json:"headers"`
			Report      string            `json:"report"`
		} `json:"message"`
	}
	if len(r.Analysis) > 0 && json.Unmarshal(r.Analysis, &a) == nil {
		m.Text, m.ReplyTo, m.Headers, m.Report = a.Message.Text, a.Message.ReplyTo, a.Message.Headers, a.Message.Report
		if a.Message.FromAddress != "" {
			m.FromAddress = strings.ToLower(a.Message.FromAddress)
		}
		if a.Message.From != "" {
			m.From = a.Message.From
		}
	}
	for _, at := range r.Attachments {
		f := File{Name: at.Name, Kind: at.Kind, Size: at.Size, SHA256: at.SHA256, Findings: findings(at.Findings)}
		if len(at.Details) > 0 {
			var d struct {
				Video     *video.Info       `json:"video"`
				Stats     *sheets.Stats     `json:"stats"`
				Recommend *sheets.Recommend `json:"recommend"`
				Message   *struct {
					From    string `json:"from"`
					Subject string `json:"subject"`
				} `json:"message"`
			}
			if json.Unmarshal(at.Details, &d) == nil {
				f.Video = d.Video
				if d.Stats != nil {
					f.StatsUnit, f.Stats = d.Stats.Unit, d.Stats
					for _, v := range d.Stats.Fields {
						if v.Value != nil {
							f.TableRead = true
							break
						}
					}
				}
				if d.Recommend != nil && len(d.Recommend.Rows) > 0 {
					f.TableRead = true
				}
				if d.Message != nil && d.Message.From != "" {
					m.ForwardedFrom = append(m.ForwardedFrom, d.Message.From)
				}
			}
		}
		m.Files = append(m.Files, f)
	}
	for _, l := range r.Links {
		m.Links = append(m.Links, Link{Provider: l.Provider, URL: l.URL, Name: l.Name, Expires: l.Expires})
	}
	return m
}

// address returns the address of a From value ("名字 <addr>" or addr),
// lower-case.
func address(from string) string {
	if a, err := mail.ParseAddress(from); err == nil {
		return strings.ToLower(a.Address)
	}
	return strings.ToLower(strings.TrimSpace(from))
}

// findings decodes stored findings, leaving out those the rules judge.
func findings(raw json.RawMessage) []finding.Finding {
	var fs []finding.Finding
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &fs)
	}
	out := fs[:0]
	for _, f := range fs {
		if !judgedAtIngest[f.Code] {
			out = append(out, f)
		}
	}
	return out
}

// Decision is an officer's decision, stored with who made it, when and why.
type Decision struct {
	ID int64 `json:"id"`
	// Kind is one of the Decide* constants.
	Kind string `json:"kind"`
	// Message is the key of the message it concerns (assign,
	// not_submission, accept_problem).
	Message string `json:"message,omitempty"`
	// Unit is the unit it concerns (assign, extension, add_sender).
	Unit string `json:"unit,omitempty"`
	// Code and File name the problem accepted (accept_problem); File ""
	// accepts the code for every file of the message.
	Code string `json:"code,omitempty"`
	File string `json:"file,omitempty"`
	// Address is the sender address added to a unit (add_sender).
	Address string `json:"address,omitempty"`
	// Until is the unit's new deadline, the first late instant (extension).
	Until time.Time `json:"until,omitzero"`
	// NewName is a unit's new name (rename_unit); Contact and Phone its
	// contact person (add_unit, set_contact).
	NewName string    `json:"new_name,omitempty"`
	Contact string    `json:"contact,omitempty"`
	Phone   string    `json:"phone,omitempty"`
	By      string    `json:"by"`
	Reason  string    `json:"reason,omitempty"`
	At      time.Time `json:"at"`
}

// Kinds of decision.
const (
	DecideAssign        = "assign"         // the message was sent by Unit
	DecideNotSubmission = "not_submission" // the message is not a submission
	DecideAcceptProblem = "accept_problem" // the problem Code (of File) is accepted
	DecideExtension     = "extension"      // Unit may submit until Until
	DecideAddSender     = "add_sender"     // Address belongs to Unit
)
