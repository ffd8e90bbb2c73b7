// Package rules computes every judgment shoubao makes about a campaign —
// what each message is, which unit sent it, which materials it satisfies,
// what is wrong, and each unit's status — from the stored facts, the
// campaign's current configuration and the officers' decisions, at read
// time. Nothing judged here is stored: a deadline extension, a roster fix
// or a new video limit shows in the next report without reprocessing.
//
// The rules, in order:
//  1. Messages are grouped by Message-ID (or raw bytes): one message, one
//     copy per contact mailbox that received it (FromStored).
//  2. Each message gets a category (category.go).
//  3. Each message gets a unit, from the strongest evidence: an officer's
//     assignment, a known or learned sender address, a unit named in the
//     subject or file names, the statistics table's stamp, a name in the
//     body. A county name alone, or several names, is never a guess: the
//     message goes to the unmatched queue with its candidates (unit.go).
//  4. Materials accumulate over a unit's counting messages in arrival
//     order; a resubmission drops what came before. A material counts
//     when usable; the unit is complete at the arrival of the message that
//     completed the required set, late when that is at or after its
//     deadline (status.go).
package rules

import (
	"slices"
	"time"

	"github.com/shoubao/shoubao/parsers/sheets"
	"github.com/shoubao/shoubao/pipeline/campaign"
)

// Unit statuses.
const (
	NotSubmitted   = "not_submitted"
	Incomplete     = "incomplete"
	CompleteOnTime = "complete_on_time"
	CompleteLate   = "complete_late"
)

// StatusLabel is a status's Chinese name.
func StatusLabel(s string) string {
	return map[string]string{NotSubmitted: "未报送", Incomplete: "材料不全", CompleteOnTime: "按时报齐", CompleteLate: "逾期报齐"}[s]
}

// State is a campaign's state as the rules judge it: what `shoubao report`
// prints and its JSON.
type State struct {
	Campaign    CampaignInfo `json:"campaign"`
	GeneratedAt time.Time    `json:"generated_at"`
	Counts      Counts       `json:"counts"`
	// Units follow the roster's order.
	Units []UnitState `json:"units"`
	// Unmatched are submissions no unit could be matched to for sure.
	Unmatched []MessageState `json:"unmatched"`
	// Inquiries are questions an officer should answer.
	Inquiries []MessageState `json:"inquiries"`
	// Other is mail that is not a submission: robots, replies, messages an
	// officer marked as not a submission.
	Other []MessageState `json:"other"`
}

// CampaignInfo is the campaign a state is about.
type CampaignInfo struct {
	ID           string              `json:"id"`
	Title        string              `json:"title"`
	NoticeNumber string              `json:"notice_number,omitempty"`
	Deadline     time.Time           `json:"deadline,omitzero"`
	Delivery     string              `json:"delivery"`
	Materials    []campaign.Material `json:"materials"`
	Mailboxes    []string            `json:"mailboxes"`
}

// Counts are the headline numbers.
type Counts struct {
	Expected     int `json:"expected"`
	Submitted    int `json:"submitted"`
	OnTime       int `json:"on_time"`
	Late         int `json:"late"`
	Incomplete   int `json:"incomplete"`
	NotSubmitted int `json:"not_submitted"`
	WithProblems int `json:"with_problems"`
	Messages     int `json:"messages"`
	Unmatched    int `json:"unmatched"`
	Inquiries    int `json:"inquiries"`
}

// UnitState is one unit's state.
type UnitState struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	// Deadline is the unit's own (an extension), or the campaign's.
	Deadline     time.Time `json:"deadline,omitzero"`
	Extended     bool      `json:"extended,omitempty"`
	FirstArrival time.Time `json:"first_arrival,omitzero"`
	CompletedAt  time.Time `json:"completed_at,omitzero"`
	// CompletedBy is the key of the message that completed the set.
	CompletedBy string `json:"completed_by,omitempty"`
	// Materials has one entry per required material.
	Materials []MaterialState `json:"materials"`
	// Missing are the required materials without a usable file.
	Missing []campaign.Material `json:"missing"`
	// MissingMailboxes: with 分别报送, the contact mailboxes the unit's
	// material did not reach.
	MissingMailboxes []string       `json:"missing_mailboxes,omitempty"`
	Problems         []Problem      `json:"problems"`
	Messages         []MessageState `json:"messages"`
	// Contact and Phone are the unit's contact person and phone.
	Contact string `json:"contact,omitempty"`
	Phone   string `json:"phone,omitempty"`
	// Addresses are where the unit can be written to: the roster's and
	// the officers' sender addresses, then those learned from its mail.
	Addresses []string `json:"addresses"`
	// Stats is the unit's final statistics table: the latest usable one
	// of its counting messages that a resubmission has not superseded
	// (what exports sum), or nil.
	Stats *UnitStats `json:"stats,omitempty"`
}

// UnitStats is the statistics table a unit's values come from.
type UnitStats struct {
	// Message is the key of the message, File the file's name.
	Message string `json:"message"`
	File    string `json:"file"`
	// Fields are the values read, keyed by the template's labels.
	Fields map[string]sheets.Value `json:"fields"`
}

// Material states.
const (
	MaterialUsable   = "usable"
	MaterialUnusable = "unusable"
	MaterialMissing  = "missing"
)

// MaterialState says which file satisfies a required material.
type MaterialState struct {
	Material campaign.Material `json:"material"`
	Status   string            `json:"status"`
	// Message is the key of the message the file came in.
	Message string    `json:"message,omitempty"`
	File    string    `json:"file,omitempty"`
	At      time.Time `json:"at,omitzero"`
	// Why the file is not usable, or a caveat ("超大附件链接，未下载核实").
	Why string `json:"why,omitempty"`
	// Unverified: satisfied by a link that was not downloaded.
	Unverified bool `json:"unverified,omitempty"`
}

// Problem is something wrong with a unit's submission, and the file (and
// message) it concerns.
type Problem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	File    string `json:"file,omitempty"`
	// MessageKey is the message it concerns ("" for the unit as a whole).
	MessageKey string `json:"message_id,omitempty"`
	// Accepted: an officer accepted it (it no longer counts).
	Accepted bool `json:"accepted,omitempty"`
}

// MessageState is a message as the rules judge it.
type MessageState struct {
	// Key is the Message-ID, or sha256:<hex> of the raw bytes.
	Key         string      `json:"message_id"`
	Subject     string      `json:"subject"`
	From        string      `json:"from"`
	Arrival     time.Time   `json:"arrival"`
	Category    Category    `json:"category"`
	Attribution Attribution `json:"attribution"`
	Copies      []Copy      `json:"copies"`
	Files       []FileState `json:"files"`
	Links       []Link      `json:"links,omitempty"`
	// Superseded: a later resubmission replaced it.
	Superseded bool       `json:"superseded,omitempty"`
	Decisions  []Decision `json:"decisions,omitempty"`
	// Receipt is the receipt's state, once receipts exist.
	Receipt string `json:"receipt,omitempty"`
}

// FileState is a file as the rules judge it.
type FileState struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	Size int64  `json:"size"`
	// SHA256 names the file in the files bucket.
	SHA256       string  `json:"sha256,omitempty"`
	VideoSeconds float64 `json:"video_seconds,omitempty"`
	// Usable is set for files of a material kind: whether it counts.
	Usable *bool  `json:"usable,omitempty"`
	Why    string `json:"why,omitempty"`
}

// Judge computes the state of campaign c from its messages (as FromStored
// returns them, in arrival order) and the officers' decisions, at now.
func Judge(c *campaign.Campaign, msgs []Message, ds []Decision, now time.Time) *State {
	return Prepare(c, msgs, ds).State(now)
}

func count(st *State, messages int) Counts {
	n := Counts{Expected: len(st.Units), Messages: messages, Unmatched: len(st.Unmatched), Inquiries: len(st.Inquiries)}
	for _, u := range st.Units {
		switch u.Status {
		case NotSubmitted:
			n.NotSubmitted++
		case Incomplete:
			n.Incomplete++
		case CompleteOnTime:
			n.OnTime++
		case CompleteLate:
			n.Late++
		}
		if u.Status != NotSubmitted {
			n.Submitted++
		}
		if slices.ContainsFunc(u.Problems, func(p Problem) bool { return !p.Accepted }) {
			n.WithProblems++
		}
	}
	return n
}

// decisions indexes the officers' decisions; for each message and unit
// the latest decision of a kind wins.
type decisions struct {
	assigned      map[string]string // message → unit
	notSubmission map[string]bool
	accepted      map[string][]Decision // message → accept_problem decisions
	extension     map[string]time.Time  // unit → new deadline
	byMessage     map[string][]Decision
	byUnit        map[string][]Decision
}

func indexDecisions(ds []Decision) *decisions {
	d := &decisions{assigned: map[string]string{}, notSubmission: map[string]bool{}, accepted: map[string][]Decision{},
		extension: map[string]time.Time{}, byMessage: map[string][]Decision{}, byUnit: map[string][]Decision{}}
	sorted := slices.Clone(ds)
	slices.SortStableFunc(sorted, func(a, b Decision) int { return a.At.Compare(b.At) })
	for _, x := range sorted {
		switch x.Kind {
		case DecideAssign:
			d.assigned[x.Message] = x.Unit
			delete(d.notSubmission, x.Message)
		case DecideNotSubmission:
			d.notSubmission[x.Message] = true
			delete(d.assigned, x.Message)
		case DecideAcceptProblem:
			d.accepted[x.Message] = append(d.accepted[x.Message], x)
		case DecideExtension:
			d.extension[x.Unit] = x.Until
		}
		if x.Message != "" {
			d.byMessage[x.Message] = append(d.byMessage[x.Message], x)
		} else if x.Unit != "" {
			d.byUnit[x.Unit] = append(d.byUnit[x.Unit], x)
		}
	}
	return d
}

// isAccepted reports whether an officer accepted problem code of file in
// message key.
func (d *decisions) isAccepted(key, code, file string) bool {
	for _, x := range d.accepted[key] {
		if x.Code == code && (x.File == "" || x.File == file) {
			return true
		}
	}
	return false
}
