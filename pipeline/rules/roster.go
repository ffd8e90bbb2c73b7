package rules

import (
	"slices"
	"strings"

	"github.com/shoubao/shoubao/pipeline/campaign"
)

// Roster decisions: officers keep the roster without editing the
// configuration file, which stays the starting point.
const (
	DecideAddUnit    = "add_unit"    // Unit joins the roster (Contact, Phone)
	DecideRenameUnit = "rename_unit" // Unit is now NewName; the old name stays an alias
	DecideDropUnit   = "drop_unit"   // Unit is no longer expected to submit
	DecideSetContact = "set_contact" // Unit's contact person and phone
)

// Roster returns the campaign's roster as the officers' decisions have
// made it, in order: the configuration's units, then the units added. A
// renamed unit keeps its place and its old name as an alias; decisions
// that name a unit by an old name or an alias apply to it.
func Roster(c *campaign.Campaign, ds []Decision) []campaign.Unit {
	units := slices.Clone(c.Units)
	for i := range units {
		units[i].Aliases = slices.Clone(units[i].Aliases)
		units[i].Senders = slices.Clone(units[i].Senders)
	}
	find := func(name string) int {
		n := Normalize(name)
		for i, u := range units {
			for _, a := range append([]string{u.Name}, u.Aliases...) {
				if Normalize(a) == n {
					return i
				}
			}
		}
		return -1
	}
	for _, d := range sortedDecisions(ds) {
		i := find(d.Unit)
		switch d.Kind {
		case DecideAddUnit:
			if i < 0 && strings.TrimSpace(d.Unit) != "" {
				units = append(units, campaign.Unit{Name: strings.TrimSpace(d.Unit), Contact: d.Contact, Phone: d.Phone})
			}
		case DecideRenameUnit:
			if i >= 0 && strings.TrimSpace(d.NewName) != "" && find(d.NewName) < 0 {
				units[i].Aliases = append(units[i].Aliases, units[i].Name)
				units[i].Name = strings.TrimSpace(d.NewName)
			}
		case DecideDropUnit:
			if i >= 0 {
				units = slices.Delete(units, i, i+1)
			}
		case DecideSetContact:
			if i >= 0 {
				units[i].Contact, units[i].Phone = d.Contact, d.Phone
			}
		case DecideAddSender:
			if i >= 0 {
				a := strings.ToLower(strings.TrimSpace(d.Address))
				if a != "" && !slices.Contains(units[i].Senders, a) {
					units[i].Senders = append(units[i].Senders, a)
				}
			}
		}
	}
	return units
}

// canonical rewrites the unit names of decisions to the roster's current
// names (a decision made before a rename still applies).
func canonical(units []campaign.Unit, ds []Decision) []Decision {
	byName := map[string]string{}
	for _, u := range units {
		for _, a := range append([]string{u.Name}, u.Aliases...) {
			byName[Normalize(a)] = u.Name
		}
	}
	out := slices.Clone(ds)
	for i := range out {
		if n, ok := byName[Normalize(out[i].Unit)]; ok {
			out[i].Unit = n
		}
	}
	return out
}

func sortedDecisions(ds []Decision) []Decision {
	out := slices.Clone(ds)
	slices.SortStableFunc(out, func(a, b Decision) int { return a.At.Compare(b.At) })
	return out
}
