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
	// cursors: how far AsOf has judged each unit.
	cursors map[string]*cursor
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
		index: make(map[string]int, len(msgs)), dec: dec, m: newMatcher(c, ds), cursors: map[string]*cursor{}}
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
// when the message arrived, from the unit's messages received up to then
// (nil when the message is not attributed to a unit on the roster). The
// unit's state has its materials, status and deadline, not its messages,
// problems or statistics table. ok is false when the campaign has no
// message key.
//
// Reading the messages of a unit in arrival order costs, in all, one pass
// over the unit's messages. A Judgment is not safe for concurrent AsOf.
func (j *Judgment) AsOf(key string) (msg *MessageState, unit *UnitState, ok bool) {
	i, ok := j.index[key]
	if !ok {
		return nil, nil, false
	}
	name := j.judged[i].Attribution.Unit
	u := j.unit(name)
	if u == nil {
		ms := j.judged[i]
		ms.Files = fileStates(j.c, &j.msgs[i], j.dec)
		return &ms, nil, true
	}
	arrival := j.judged[i].Arrival
	cur := j.cursors[name]
	if cur != nil && cur.last.After(arrival) {
		cur = nil // asked out of order: start the unit again
	}
	list := j.byUnit[name]
	if cur == nil {
		// The unit's own copy of its messages' judgments (adding fills in
		// files and supersessions).
		msgs, judged := make([]Message, len(list)), make([]MessageState, len(list))
		for k, i := range list {
			msgs[k], judged[k] = j.msgs[i], j.judged[i]
		}
		cur = &cursor{judge: newUnitJudge(j.c, name, msgs, judged, j.dec)}
		j.cursors[name] = cur
	}
	for cur.next < len(list) && !j.judged[list[cur.next]].Arrival.After(arrival) {
		cur.judge.add(cur.next)
		cur.next++
	}
	cur.last = arrival
	us := cur.judge.state(false)
	us.Contact, us.Phone = u.Contact, u.Phone
	k, _ := slices.BinarySearch(list, i)
	ms := cur.judge.judged[k]
	return &ms, &us, true
}

// cursor is how far AsOf has judged a unit's messages.
type cursor struct {
	judge *unitJudge
	next  int       // the next message to add: its position in the unit's list
	last  time.Time // the arrival last asked for
}

// unit is the roster's unit name (nil when it is not on the roster).
func (j *Judgment) unit(name string) *campaign.Unit {
	if name == "" {
		return nil
	}
	for k := range j.c.Units {
		if j.c.Units[k].Name == name {
			return &j.c.Units[k]
		}
	}
	return nil
}
