package rules

import (
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"

	"github.com/shoubao/shoubao/pipeline/campaign"
)

// How a message's unit was recognised, strongest first.
const (
	ByOfficer = "officer"        // an officer assigned it
	BySender  = "sender"         // a sender address of the unit (roster or officer)
	ByLearned = "learned_sender" // an address the unit sent confirmed mail from before
	ByName    = "name"           // its name or an alias in the subject or a file name
	ByStamp   = "stamp"          // the 部门/地方（盖章） line of its statistics table
	ByBody    = "body"           // its name or an alias in the body
)

// Attribution is which unit sent a message and why; Unit is "" when the
// evidence names no unit or several (then Candidates lists them).
type Attribution struct {
	Unit string `json:"unit,omitempty"`
	By   string `json:"by,omitempty"`
	// Candidates are the units the evidence could mean when it names none
	// for sure: several names, or a county name shared by several units.
	Candidates []string `json:"candidates,omitempty"`
	// Conflicts are other units named by weaker evidence.
	Conflicts []Conflict `json:"conflicts,omitempty"`
	// UnknownSender: the unit is known but the sender address is neither
	// in the roster nor learned.
	UnknownSender bool `json:"unknown_sender,omitempty"`
}

// Conflict is a unit that some evidence points to instead.
type Conflict struct {
	Unit string `json:"unit"`
	By   string `json:"by"`
}

// matcher matches evidence against one campaign's roster.
type matcher struct {
	senders map[string]string // address → unit (roster and officers)
	learned map[string]string // address → unit, from earlier confirmed mail
	// byFirst holds the normalised names and aliases by their first rune,
	// longest first.
	byFirst map[rune][]alias
	places  map[string][]string
}

type alias struct {
	norm string
	unit string
}

func newMatcher(c *campaign.Campaign, ds []Decision) *matcher {
	m := &matcher{senders: map[string]string{}, learned: map[string]string{}, places: map[string][]string{}, byFirst: map[rune][]alias{}}
	for _, u := range c.Units {
		for _, s := range u.Senders {
			m.senders[strings.ToLower(strings.TrimSpace(s))] = u.Name
		}
		for _, n := range append([]string{u.Name}, u.Aliases...) {
			if nn := Normalize(n); nn != "" {
				r, _ := utf8.DecodeRuneInString(nn)
				m.byFirst[r] = append(m.byFirst[r], alias{nn, u.Name})
			}
			if p := place(Normalize(n)); p != "" && !slices.Contains(m.places[p], u.Name) {
				m.places[p] = append(m.places[p], u.Name)
			}
		}
	}
	for _, d := range ds {
		if d.Kind == DecideAddSender && d.Address != "" {
			m.senders[strings.ToLower(strings.TrimSpace(d.Address))] = d.Unit
		}
	}
	// Longest names first, so 阳城县科技和商务局 wins over 阳城县.
	for _, as := range m.byFirst {
		slices.SortStableFunc(as, func(a, b alias) int { return len(b.norm) - len(a.norm) })
	}
	return m
}

// namesIn returns the distinct units whose name or alias occurs in the
// texts, scanning each text once: at each position the longest name
// starting there wins, so 阳城县科技局 inside 阳城县科技局科协 is not
// also read as a shorter alias.
func (m *matcher) namesIn(texts ...string) []string {
	var units []string
	for _, t := range texts {
		t = Normalize(t)
		for i := 0; i < len(t); {
			r, size := utf8.DecodeRuneInString(t[i:])
			next := i + size
			for _, a := range m.byFirst[r] {
				if strings.HasPrefix(t[i:], a.norm) {
					if !slices.Contains(units, a.unit) {
						units = append(units, a.unit)
					}
					next = i + len(a.norm)
					break
				}
			}
			i = next
		}
	}
	return units
}

// placesIn returns the units whose county or city name occurs in the
// texts.
func (m *matcher) placesIn(texts ...string) []string {
	var units []string
	for _, t := range texts {
		t = Normalize(t)
		for p, us := range m.places {
			if strings.Contains(t, p) {
				for _, u := range us {
					if !slices.Contains(units, u) {
						units = append(units, u)
					}
				}
			}
		}
	}
	sort.Strings(units)
	return units
}

// sender returns the unit of a sender address and how it is known.
func (m *matcher) sender(addrs ...string) (unit, by string) {
	for _, a := range addrs {
		a = strings.ToLower(strings.TrimSpace(a))
		if u := m.senders[a]; u != "" {
			return u, BySender
		}
		if u := m.learned[a]; u != "" {
			return u, ByLearned
		}
	}
	return "", ""
}

// attribute works out who sent m. Robots and replies are attributed by
// their sender only: their words name no sender.
func (m *matcher) attribute(msg *Message, cat Category, assigned string) Attribution {
	senders := []string{msg.FromAddress}
	for _, f := range msg.ForwardedFrom {
		senders = append(senders, address(f))
	}
	sUnit, sBy := m.sender(senders...)
	var fileNames, stamps []string
	for _, f := range msg.Files {
		fileNames = append(fileNames, f.Name)
		if f.StatsUnit != "" {
			stamps = append(stamps, f.StatsUnit)
		}
	}
	for _, l := range msg.Links {
		fileNames = append(fileNames, l.Name)
	}
	if assigned != "" {
		return Attribution{Unit: assigned, By: ByOfficer, UnknownSender: sUnit != assigned}
	}
	if cat.Robot() || cat == Reply {
		if sUnit != "" {
			return Attribution{Unit: sUnit, By: sBy}
		}
		return Attribution{}
	}
	// What the sender says it is: the subject, the file names, and the
	// display names of the sender and of forwarded messages' senders.
	named := m.namesIn(append(append([]string{msg.Subject, msg.From}, msg.ForwardedFrom...), fileNames...)...)
	stamped := m.namesIn(stamps...)
	var a Attribution
	switch {
	case sUnit != "":
		a = Attribution{Unit: sUnit, By: sBy}
	case len(named) == 1:
		a = Attribution{Unit: named[0], By: ByName}
	case len(named) > 1:
		// Several names: the stamp decides when it names one of them.
		if len(stamped) == 1 && slices.Contains(named, stamped[0]) {
			a = Attribution{Unit: stamped[0], By: ByStamp}
		} else {
			return Attribution{Candidates: named}
		}
	case len(stamped) == 1:
		a = Attribution{Unit: stamped[0], By: ByStamp}
	case len(stamped) > 1:
		return Attribution{Candidates: stamped}
	default:
		body := m.namesIn(msg.Text)
		switch {
		case len(body) == 1:
			a = Attribution{Unit: body[0], By: ByBody}
		case len(body) > 1:
			return Attribution{Candidates: body}
		default:
			// A county name is never enough: it fits the county's 科技局,
			// 教育局 and 科协 alike, and the roster may hold only one of them.
			return Attribution{Candidates: m.placesIn(append([]string{msg.Subject, msg.Text}, append(fileNames, stamps...)...)...)}
		}
	}
	for _, u := range named {
		if u != a.Unit {
			a.Conflicts = append(a.Conflicts, Conflict{u, ByName})
		}
	}
	for _, u := range stamped {
		if u != a.Unit && !slices.ContainsFunc(a.Conflicts, func(c Conflict) bool { return c.Unit == u }) {
			a.Conflicts = append(a.Conflicts, Conflict{u, ByStamp})
		}
	}
	a.UnknownSender = a.By != BySender && a.By != ByLearned
	return a
}

// learn remembers the sender of a message whose unit is confirmed: by an
// officer, or by its words with no conflicting evidence.
func (m *matcher) learn(msg *Message, a Attribution) {
	if a.Unit == "" || len(a.Conflicts) > 0 || msg.FromAddress == "" {
		return
	}
	switch a.By {
	case ByOfficer, ByName, ByStamp:
	default:
		return
	}
	addr := strings.ToLower(msg.FromAddress)
	if _, known := m.senders[addr]; known {
		return
	}
	if _, known := m.learned[addr]; !known {
		m.learned[addr] = a.Unit
	}
}

// learnedOf returns the addresses learned for unit, sorted.
func (m *matcher) learnedOf(unit string) []string {
	var out []string
	for a, u := range m.learned {
		if u == unit {
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}

// Normalize folds width (full-width letters and digits to half-width),
// drops spaces and punctuation, and lower-cases, so that names compare the
// way people read them.
func Normalize(s string) string {
	s = width.Fold.String(s)
	var b strings.Builder
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// place returns the leading county/city/district name of a unit name
// ("阳城县科技和商务局" → "阳城县"), or "".
func place(name string) string {
	r := []rune(name)
	for i := 1; i < len(r) && i < 8; i++ {
		switch r[i] {
		case '县', '市', '区', '旗':
			if i >= 2 {
				return string(r[:i+1])
			}
		}
	}
	return ""
}
