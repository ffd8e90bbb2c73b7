// Package report sums up a campaign for the officers from what the store
// holds: per unit of the roster, whether it submitted, when, whether on
// time, which materials arrived, which are missing, and what is wrong;
// plus the submissions no unit could be matched to and the mail that is
// not a submission.
package report

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/shoubao/shoubao/parsers/finding"
	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/sinks"
)

// Summary is one campaign's state.
type Summary struct {
	Campaign *config.Campaign
	// Units follow the roster's order.
	Units []Unit
	// Unattributed are submissions no roster unit could be matched to.
	Unattributed []Message
	// Other are auto-replies, bounces, bulk mail and unreadable messages.
	Other []Message
	// At is when the summary was made.
	At time.Time
}

// Unit is one roster unit's state.
type Unit struct {
	Name      string
	Submitted bool
	// First and Last are the server receipt times of its first and last
	// submission.
	First, Last time.Time
	// Late: nothing arrived before the deadline.
	Late bool
	// Found are the materials received, Missing those the notice asks for
	// and nobody sent.
	Found   []config.Material
	Missing []config.Material
	// MissingMailboxes: with 分别报送, the contact mailboxes that received
	// nothing from the unit.
	MissingMailboxes []string
	// Problems are the findings about its messages and files.
	Problems []Problem
	Messages []Message
}

// Problem is a finding and the file (or message) it is about.
type Problem struct {
	File    string
	Finding finding.Finding
}

// Message is a stored message as listed in a summary.
type Message struct {
	ID       int64
	Mailbox  string
	At       time.Time
	From     string
	Subject  string
	Class    string
	Late     bool
	Files    []File
	Links    int
	Findings []finding.Finding
}

// File is one file of a message.
type File struct {
	Name     string
	Kind     string
	Size     int64
	Seconds  float64 // video length, when measured
	Findings []finding.Finding
}

// Build sums up the messages of campaign c.
func Build(c *config.Campaign, msgs []sinks.Message, at time.Time) *Summary {
	s := &Summary{Campaign: c, At: at}
	byUnit := map[string]int{}
	for _, u := range c.Units {
		byUnit[u.Name] = len(s.Units)
		s.Units = append(s.Units, Unit{Name: u.Name})
	}
	for _, m := range msgs {
		lm := listMessage(m)
		i, known := byUnit[m.Unit]
		switch {
		case m.Class != "submission":
			s.Other = append(s.Other, lm)
		case !known:
			s.Unattributed = append(s.Unattributed, lm)
		default:
			s.Units[i].add(m, lm)
		}
	}
	for i := range s.Units {
		s.Units[i].finish(c)
	}
	return s
}

func listMessage(m sinks.Message) Message {
	lm := Message{ID: m.ID, Mailbox: m.MailboxID, At: m.InternalDate, From: m.From, Subject: m.Subject,
		Class: m.Class, Late: m.Late, Links: len(m.Links), Findings: findings(m.Findings)}
	for _, a := range m.Attachments {
		f := File{Name: a.Name, Kind: a.Kind, Size: a.Size, Findings: findings(a.Findings)}
		if a.Kind == "video" && len(a.Details) > 0 {
			var d struct {
				Video struct {
					Duration float64 `json:"duration_seconds"`
					Video    float64 `json:"video_seconds"`
				} `json:"video"`
			}
			if json.Unmarshal(a.Details, &d) == nil {
				f.Seconds = max(d.Video.Duration, d.Video.Video)
			}
		}
		lm.Files = append(lm.Files, f)
	}
	return lm
}

func findings(raw json.RawMessage) []finding.Finding {
	var fs []finding.Finding
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &fs)
	}
	return fs
}

func (u *Unit) add(m sinks.Message, lm Message) {
	u.Submitted = true
	if u.First.IsZero() || m.InternalDate.Before(u.First) {
		u.First = m.InternalDate
	}
	if m.InternalDate.After(u.Last) {
		u.Last = m.InternalDate
	}
	u.Messages = append(u.Messages, lm)
}

// materialsOf maps a file kind to the materials it satisfies.
func materialsOf(kind string) []config.Material {
	switch kind {
	case "report":
		return []config.Material{config.MaterialReport}
	case "stats_table":
		return []config.Material{config.MaterialStats}
	case "recommend_table":
		return []config.Material{config.MaterialRecommend}
	case "video":
		return []config.Material{config.MaterialVideo, config.MaterialMedia}
	case "photo":
		return []config.Material{config.MaterialPhoto, config.MaterialMedia}
	}
	return nil
}

func (u *Unit) finish(c *config.Campaign) {
	if !u.Submitted {
		u.Missing = append(u.Missing, c.Materials...)
		return
	}
	found := map[config.Material]bool{}
	mailboxes := map[string]bool{}
	onTime := false
	for _, m := range u.Messages {
		mailboxes[m.Mailbox] = true
		onTime = onTime || !m.Late
		if m.Links > 0 {
			// A large-attachment link stands for a video until downloaded.
			found[config.MaterialVideo], found[config.MaterialMedia] = true, true
		}
		for _, f := range m.Findings {
			u.Problems = append(u.Problems, Problem{File: m.Subject, Finding: f})
		}
		for _, f := range m.Files {
			for _, mat := range materialsOf(f.Kind) {
				found[mat] = true
			}
			for _, fd := range f.Findings {
				u.Problems = append(u.Problems, Problem{File: f.Name, Finding: fd})
			}
		}
	}
	u.Late = !onTime
	for _, mat := range config.Materials {
		if found[mat] {
			u.Found = append(u.Found, mat)
		}
	}
	for _, mat := range c.Materials {
		if !found[mat] {
			u.Missing = append(u.Missing, mat)
		}
	}
	if c.Delivery == config.DeliveryEach {
		for _, mb := range c.Mailboxes {
			if !mailboxes[config.MailboxID(c.ID, mb.Address)] {
				u.MissingMailboxes = append(u.MissingMailboxes, mb.Address)
			}
		}
	}
	u.Problems = dedupe(u.Problems)
	slices.SortStableFunc(u.Problems, func(a, b Problem) int {
		if a.Finding.Code == "late" {
			return -1
		}
		if b.Finding.Code == "late" {
			return 1
		}
		return 0
	})
}

// dedupe drops repeated problems: with 分别报送 the same file arrives once
// per mailbox and carries the same findings.
func dedupe(ps []Problem) []Problem {
	seen := map[Problem]bool{}
	out := ps[:0]
	for _, p := range ps {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// Counts are the headline numbers of a summary.
type Counts struct {
	Expected, Submitted, NotSubmitted, Late, Incomplete, WithProblems int
}

// Counts returns the headline numbers.
func (s *Summary) Counts() Counts {
	c := Counts{Expected: len(s.Units)}
	for _, u := range s.Units {
		if !u.Submitted {
			c.NotSubmitted++
			continue
		}
		c.Submitted++
		if u.Late {
			c.Late++
		}
		if len(u.Missing) > 0 || len(u.MissingMailboxes) > 0 {
			c.Incomplete++
		}
		if len(u.Problems) > 0 {
			c.WithProblems++
		}
	}
	return c
}
