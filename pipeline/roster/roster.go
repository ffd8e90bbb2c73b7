// Package roster works out which unit of a campaign's roster sent a
// message, from the evidence a message carries: the sender's address, the
// unit stamped on its statistics table, and the names in its subject and
// file names.
package roster

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/width"

	"github.com/shoubao/shoubao/pipeline/config"
)

// How a unit was recognised.
const (
	BySender = "sender" // a known sender address of the unit
	ByStats  = "stats"  // the 部门/地方（盖章） line of its statistics table
	ByName   = "name"   // its name or an alias in the subject or a file name
	ByPlace  = "place"  // its county/city name, shared with no other unit
)

// Evidence is what a message says about its sender.
type Evidence struct {
	// Senders are sender addresses: the message's From, and the original
	// sender of a forwarded message.
	Senders []string
	// StatsUnits are units named on statistics tables in the message.
	StatsUnits []string
	// Texts are the subject, file names and other short texts to search.
	Texts []string
}

// Matcher matches evidence against one campaign's roster.
type Matcher struct {
	units   []config.Unit
	senders map[string]string // address → unit
	names   []alias           // normalised names and aliases, longest first
	places  map[string][]string
}

type alias struct {
	norm string
	unit string
}

// New returns a matcher for the roster.
func New(units []config.Unit) *Matcher {
	m := &Matcher{units: units, senders: map[string]string{}, places: map[string][]string{}}
	for _, u := range units {
		for _, s := range u.Senders {
			m.senders[strings.ToLower(strings.TrimSpace(s))] = u.Name
		}
		for _, n := range append([]string{u.Name}, u.Aliases...) {
			if nn := Normalize(n); nn != "" {
				m.names = append(m.names, alias{nn, u.Name})
			}
			if p := place(Normalize(n)); p != "" && !slices.Contains(m.places[p], u.Name) {
				m.places[p] = append(m.places[p], u.Name)
			}
		}
	}
	// Longest names first, so 阳城县科技和商务局 wins over 阳城县.
	slices.SortStableFunc(m.names, func(a, b alias) int { return len(b.norm) - len(a.norm) })
	return m
}

// Result is the unit a message was attributed to, how, and any other unit
// that some of the evidence points to instead.
type Result struct {
	Unit string
	By   string
	// Conflicts are other units named by weaker evidence (a statistics
	// table stamped by another unit, a subject naming another unit): the
	// officer should check.
	Conflicts []Conflict
}

// Conflict is a unit that some evidence points to, and which evidence.
type Conflict struct {
	Unit string
	By   string
}

// Match returns the unit the evidence points to, in order of strength: a
// known sender address, the unit named in the subject or file names (what
// the sender says it is), the unit stamped on a statistics table (often
// copied from another unit's template), an unambiguous county name. Unit
// is "" when nothing identifies one.
func (m *Matcher) Match(e Evidence) Result {
	var found []Conflict
	add := func(unit, by string) {
		if unit == "" {
			return
		}
		for _, f := range found {
			if f.Unit == unit {
				return
			}
		}
		found = append(found, Conflict{unit, by})
	}
	for _, s := range e.Senders {
		add(m.senders[strings.ToLower(strings.TrimSpace(s))], BySender)
	}
	for _, t := range e.Texts {
		add(m.byName(Normalize(t)), ByName)
	}
	for _, s := range e.StatsUnits {
		add(m.byName(Normalize(s)), ByStats)
	}
	if len(found) == 0 {
		for _, t := range append(append([]string{}, e.StatsUnits...), e.Texts...) {
			if u := m.byPlace(Normalize(t)); u != "" {
				add(u, ByPlace)
				break
			}
		}
	}
	if len(found) == 0 {
		return Result{}
	}
	return Result{Unit: found[0].Unit, By: found[0].By, Conflicts: found[1:]}
}

func (m *Matcher) byPlace(text string) string {
	for p, units := range m.places {
		if len(units) == 1 && strings.Contains(text, p) {
			return units[0]
		}
	}
	return ""
}

func (m *Matcher) byName(text string) string {
	if text == "" {
		return ""
	}
	for _, a := range m.names {
		if strings.Contains(text, a.norm) {
			return a.unit
		}
	}
	return ""
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
