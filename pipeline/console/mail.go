package console

import (
	"net/http"
	"slices"

	"github.com/shoubao/shoubao/pipeline/rules"
)

// mailData is the 来信 page: the questions awaiting an answer first, then
// the mail that is not a submission (robots, replies, messages an officer
// set aside), newest first.
type mailData struct {
	Inquiries []inquiry
	Other     []*rules.MessageState
}

type inquiry struct {
	M    *rules.MessageState
	Text string
}

func (c *Console) mail(w http.ResponseWriter, r *http.Request, s *snapshot) {
	var d mailData
	for i := range s.st.Inquiries {
		m := &s.st.Inquiries[i]
		d.Inquiries = append(d.Inquiries, inquiry{M: m, Text: s.text(m.Key)})
	}
	for i := range s.st.Other {
		d.Other = append(d.Other, &s.st.Other[i])
	}
	slices.Reverse(d.Inquiries)
	slices.Reverse(d.Other)
	c.render(w, r, http.StatusOK, "mail", c.page(w, r, s, "来信", "mail", d))
}
