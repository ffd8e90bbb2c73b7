package console

import (
	"net/http"
	"slices"

	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/rules"
)

// overviewData is the 总览 page: the headline numbers, each material's
// progress and the latest arrivals.
type overviewData struct {
	St        *rules.State
	Materials []progress
	Latest    []arrival
}

// progress is how many units have a usable file for a material.
type progress struct {
	Material          campaign.Material
	Usable, Unusable  int
	Missing, Expected int
}

// arrival is a message and the unit it counts for ("" when unknown).
type arrival struct {
	M    *rules.MessageState
	Unit string
}

const latestArrivals = 12

func (c *Console) overview(w http.ResponseWriter, r *http.Request, s *snapshot) {
	d := overviewData{St: s.st}
	for i, m := range s.c.Materials {
		p := progress{Material: m, Expected: len(s.st.Units)}
		for _, u := range s.st.Units {
			if i >= len(u.Materials) {
				continue
			}
			switch u.Materials[i].Status {
			case rules.MaterialUsable:
				p.Usable++
			case rules.MaterialUnusable:
				p.Unusable++
			default:
				p.Missing++
			}
		}
		d.Materials = append(d.Materials, p)
	}
	d.Latest = latest(s.st, latestArrivals)
	c.render(w, r, http.StatusOK, "overview", c.page(w, r, s, "总览", "overview", d))
}

// latest returns the n latest messages that are submissions or questions
// (robots and replies left out), newest first.
func latest(st *rules.State, n int) []arrival {
	var all []arrival
	seen := map[string]bool{}
	for i := range st.Units {
		for j := range st.Units[i].Messages {
			if m := &st.Units[i].Messages[j]; m.Category.Counts() || m.Category == rules.Inquiry {
				all = append(all, arrival{m, st.Units[i].Name})
				seen[m.Key] = true
			}
		}
	}
	for _, ms := range [][]rules.MessageState{st.Unmatched, st.Inquiries} {
		for i := range ms {
			if !seen[ms[i].Key] {
				all = append(all, arrival{&ms[i], ""})
			}
		}
	}
	slices.SortStableFunc(all, func(a, b arrival) int { return b.M.Arrival.Compare(a.M.Arrival) })
	return all[:min(n, len(all))]
}
