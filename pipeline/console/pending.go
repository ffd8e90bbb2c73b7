package console

import (
	"net/http"

	"github.com/shoubao/shoubao/pipeline/rules"
)

// pendingData is the 待确认 page: what needs an officer — submissions no
// unit could be matched to for sure, senders not on the roster, problems
// that may be accepted — and the forms for extensions.
type pendingData struct {
	Unmatched []pendingMsg
	Unknown   []unknownSender
	Problems  []unitProblem
	Units     []string
}

type pendingMsg struct {
	View msgView
	// Candidates are the units the evidence could mean.
	Candidates []string
	Address    string
}

// unknownSender is a unit's message from an address not on the roster.
type unknownSender struct {
	Unit, Address string
	M             *rules.MessageState
}

type unitProblem struct {
	Unit string
	P    rules.Problem
}

func (c *Console) pending(w http.ResponseWriter, r *http.Request, s *snapshot) {
	var d pendingData
	for _, u := range s.st.Units {
		d.Units = append(d.Units, u.Name)
	}
	for i := range s.st.Unmatched {
		m := &s.st.Unmatched[i]
		d.Unmatched = append(d.Unmatched, pendingMsg{View: s.msgView(m), Candidates: m.Attribution.Candidates, Address: fromAddress(m.From)})
	}
	for i := range s.st.Units {
		u := &s.st.Units[i]
		seen := map[string]bool{}
		for j := range u.Messages {
			m := &u.Messages[j]
			addr := fromAddress(m.From)
			if m.Attribution.UnknownSender && m.Category.Counts() && addr != "" && !seen[addr] && !s.knownSender(u.Name, addr) {
				seen[addr] = true
				d.Unknown = append(d.Unknown, unknownSender{Unit: u.Name, Address: addr, M: m})
			}
		}
		for _, p := range u.Problems {
			if !p.Accepted && p.MessageKey != "" && p.Code != "unknown_sender" {
				d.Problems = append(d.Problems, unitProblem{u.Name, p})
			}
		}
	}
	c.render(w, r, http.StatusOK, "pending", c.page(w, r, s, "待确认", "pending", d))
}
