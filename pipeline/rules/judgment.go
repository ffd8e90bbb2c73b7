package rules

import (
	"slices"
	"time"

	"github.com/shoubao/shoubao/pipeline/campaign"
)

// Judgment is a campaign's messages categorized and attributed once. The
// whole state (State) and the state as a message found it on arrival (AsOf,
// what its receipt describes) are both read from it, so that a batch of
// receipts costs one attribution of the campaign, not one per receipt.
//
// Attribution goes in arrival order and depends only on earlier messages
// (senders are learned as messages are confirmed), so the attribution of
// the messages received up to any point is the same in the whole judgment
// as in a judgment of those messages alone.
type Judgment struct {
	c      *campaign.Campaign // the roster as the officers' decisions made it
	msgs   []Message
	judged []MessageState // category and attribution; files are judged per state
	byUnit map[string][]int
	index  map[string]int
	dec    *decisions
	m      *matcher
}

// Prepare categorizes and attributes campaign c's messages (as FromStored
// returns them, in arrival order) under the officers' decisions ds.
func Prepare(c *campaign.Campaign, msgs []Message, ds []Decision) *Judgment {
	roster := *c
	roster.Units = Roster(c, ds)
	c = &roster
	ds = canonical(c.Units, ds)
	dec := indexDecisions(ds)
	j := &Judgment{c: c, msgs: msgs, judged: make([]MessageState, len(msgs)), byUnit: map[string][]int{},
		index: make(map[string]int, len(msgs)), dec: dec, m: newMatcher(c, ds)}
	for i := range msgs {
		msg := &msgs[i]
		cat := Categorize(msg)
		if dec.notSubmission[msg.Key] {
			cat = NotSubmission
		}
		a := j.m.attribute(msg, cat, dec.assigned[msg.Key])
		if cat.Counts() {
			j.m.learn(msg, a)
		}
		j.judged[i] = MessageState{Key: msg.Key, Subject: msg.Subject, From: msg.From, Arrival: msg.Arrival(),
			Category: cat, Attribution: a, Copies: msg.Copies, Links: msg.Links, Decisions: dec.byMessage[msg.Key]}
		j.index[msg.Key] = i
		if a.Unit != "" {
			j.byUnit[a.Unit] = append(j.byUnit[a.Unit], i)
		}
	}
	return j
}

// State is the campaign's whole state at now.
func (j *Judgment) State(now time.Time) *State {
	c := j.c
	st := &State{GeneratedAt: now, Units: []UnitState{}, Unmatched: []MessageState{}, Inquiries: []MessageState{}, Other: []MessageState{}}
	st.Campaign = CampaignInfo{ID: c.ID, Title: c.Title, NoticeNumber: c.NoticeNumber, Deadline: c.Deadline,
		Delivery: c.Delivery, Materials: c.Materials, Mailboxes: []string{}}
	for _, mb := range c.Mailboxes {
		st.Campaign.Mailboxes = append(st.Campaign.Mailboxes, mb.Address)
	}
	judged := slices.Clone(j.judged) // judging the units fills in files and supersessions
	for _, u := range c.Units {
		us := judgeUnit(c, u.Name, j.msgs, judged, j.byUnit[u.Name], j.dec)
		us.Contact, us.Phone = u.Contact, u.Phone
		us.Addresses = append([]string{}, u.Senders...)
		for _, a := range j.m.learnedOf(u.Name) {
			if !slices.Contains(us.Addresses, a) {
				us.Addresses = append(us.Addresses, a)
			}
		}
		st.Units = append(st.Units, us)
	}
	inRoster := map[string]bool{}
	for _, u := range c.Units {
		inRoster[u.Name] = true
	}
	for i := range j.msgs {
		js := judged[i]
		if js.Files == nil {
			js.Files = fileStates(c, &j.msgs[i], j.dec)
		}
		switch {
		case js.Category == Inquiry:
			st.Inquiries = append(st.Inquiries, js)
		case js.Category.Counts() && !inRoster[js.Attribution.Unit]:
			st.Unmatched = append(st.Unmatched, js)
		case !js.Category.Counts():
			st.Other = append(st.Other, js)
		}
	}
	st.Counts = count(st, len(j.msgs))
	return st
}

// Has reports whether the campaign has message key.
func (j *Judgment) Has(key string) bool {
	_, ok := j.index[key]
	return ok
}

// AsOf returns message key as judged and the state of its unit as it stood
// when the message arrived: from the unit's messages received up to then
// (nil when the message is not attributed to a unit on the roster). ok is
// false when the campaign has no message key.
func (j *Judgment) AsOf(key string) (msg *MessageState, unit *UnitState, ok bool) {
	i, ok := j.index[key]
	if !ok {
		return nil, nil, false
	}
	arrival := j.judged[i].Arrival
	name := j.judged[i].Attribution.Unit
	var u *campaign.Unit
	for k := range j.c.Units {
		if j.c.Units[k].Name == name {
			u = &j.c.Units[k]
		}
	}
	if u == nil {
		ms := j.judged[i]
		ms.Files = fileStates(j.c, &j.msgs[i], j.dec)
		return &ms, nil, true
	}
	// The unit's messages up to this one's arrival, judged on their own.
	var msgs []Message
	var judged []MessageState
	mine := -1
	for _, k := range j.byUnit[name] {
		if j.judged[k].Arrival.After(arrival) {
			continue
		}
		if k == i {
			mine = len(msgs)
		}
		msgs = append(msgs, j.msgs[k])
		judged = append(judged, j.judged[k])
	}
	idx := make([]int, len(msgs))
	for k := range idx {
		idx[k] = k
	}
	us := judgeUnit(j.c, name, msgs, judged, idx, j.dec)
	us.Contact, us.Phone = u.Contact, u.Phone
	return &us.Messages[mine], &us, true
}
