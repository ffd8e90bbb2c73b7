package console

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/report"
	"github.com/shoubao/shoubao/pipeline/rules"
	"github.com/shoubao/shoubao/sinks"
)

// snapshot is a campaign's state as the rules judged it at one moment,
// with what it was judged from: the stored facts (for the files and the
// tables as read), the decisions and the receipts.
type snapshot struct {
	c         *campaign.Campaign
	st        *rules.State
	rows      []sinks.Message
	decisions []sinks.Decision
	jobs      []sinks.Job
	at        time.Time
	gen       uint64

	once    sync.Once
	files   map[string]*sinks.Attachment // by SHA-256: every file of the campaign
	byKey   map[string]*sinks.Message    // first stored copy of each message, by message key
	units   map[string]int               // unit name → index in st.Units
	jobsKey map[string]*sinks.Job        // receipt by message key
	roster  []campaign.Unit
}

// index builds the lookups the pages need, once per snapshot.
func (s *snapshot) index() *snapshot {
	s.once.Do(func() {
		s.files = map[string]*sinks.Attachment{}
		s.byKey = map[string]*sinks.Message{}
		for i := range s.rows {
			m := &s.rows[i]
			key := m.MessageID
			if key == "" {
				key = "sha256:" + m.RawSHA256
			}
			if _, ok := s.byKey[key]; !ok {
				s.byKey[key] = m
			}
			for j := range m.Attachments {
				a := &m.Attachments[j]
				if a.SHA256 != "" && s.files[a.SHA256] == nil {
					s.files[a.SHA256] = a
				}
			}
		}
		s.units = map[string]int{}
		for i, u := range s.st.Units {
			s.units[u.Name] = i
		}
		s.jobsKey = map[string]*sinks.Job{}
		for i := range s.jobs {
			if s.jobs[i].Kind == "receipt" {
				s.jobsKey[s.jobs[i].Key] = &s.jobs[i]
			}
		}
		s.roster = rules.Roster(s.c, report.Decisions(s.decisions))
	})
	return s
}

// unit returns the named unit's state, or nil.
func (s *snapshot) unit(name string) *rules.UnitState {
	if i, ok := s.index().units[name]; ok {
		return &s.st.Units[i]
	}
	return nil
}

// rosterUnit resolves a name or alias on the roster as the decisions made
// it, or returns "".
func (s *snapshot) rosterUnit(name string) string {
	n := rules.Normalize(name)
	if n == "" {
		return ""
	}
	for _, u := range s.index().roster {
		for _, a := range append([]string{u.Name}, u.Aliases...) {
			if rules.Normalize(a) == n {
				return u.Name
			}
		}
	}
	return ""
}

// message finds a message of the campaign by key, wherever the rules put
// it.
func (s *snapshot) message(key string) *rules.MessageState {
	find := func(ms []rules.MessageState) *rules.MessageState {
		for i := range ms {
			if ms[i].Key == key {
				return &ms[i]
			}
		}
		return nil
	}
	for i := range s.st.Units {
		if m := find(s.st.Units[i].Messages); m != nil {
			return m
		}
	}
	for _, ms := range [][]rules.MessageState{s.st.Unmatched, s.st.Inquiries, s.st.Other} {
		if m := find(ms); m != nil {
			return m
		}
	}
	return nil
}

// text returns the start of a message's body, as stored.
func (s *snapshot) text(key string) string {
	m := s.index().byKey[key]
	if m == nil || len(m.Analysis) == 0 {
		return ""
	}
	var a struct {
		Message struct {
			Text string `json:"text"`
		} `json:"message"`
	}
	_ = json.Unmarshal(m.Analysis, &a)
	return a.Message.Text
}

// recorder is a report.Source that keeps what it read.
type recorder struct {
	Store
	rows      []sinks.Message
	decisions []sinks.Decision
	jobs      []sinks.Job
}

func (r *recorder) Facts(ctx context.Context, id string) ([]sinks.Message, error) {
	rows, err := r.Store.Facts(ctx, id)
	r.rows = rows
	return rows, err
}

func (r *recorder) Decisions(ctx context.Context, id string) ([]sinks.Decision, error) {
	ds, err := r.Store.Decisions(ctx, id)
	r.decisions = ds
	return ds, err
}

func (r *recorder) Jobs(ctx context.Context, id string) ([]sinks.Job, error) {
	js, err := r.Store.Jobs(ctx, id)
	r.jobs = js
	return js, err
}

// cache keeps each campaign's latest snapshot. A snapshot younger than
// fresh is served as is; one younger than stale is served while a new one
// is computed in the background; older ones, and any after a decision
// made here (invalidate), are recomputed before the page is shown. One
// computation per campaign runs at a time.
type cache struct {
	store        Store
	fresh, stale time.Duration
	now          func() time.Time
	log          *slog.Logger

	mu      sync.Mutex
	entries map[string]*entry
}

type entry struct {
	mu         sync.Mutex // held while computing
	gen        atomic.Uint64
	snap       atomic.Pointer[snapshot]
	refreshing atomic.Bool
}

func newCache(store Store, fresh, stale time.Duration, now func() time.Time, log *slog.Logger) *cache {
	return &cache{store: store, fresh: fresh, stale: stale, now: now, log: log, entries: map[string]*entry{}}
}

func (k *cache) entry(id string) *entry {
	k.mu.Lock()
	defer k.mu.Unlock()
	e := k.entries[id]
	if e == nil {
		e = &entry{}
		k.entries[id] = e
	}
	return e
}

// get returns campaign c's snapshot.
func (k *cache) get(ctx context.Context, c *campaign.Campaign) (*snapshot, error) {
	e := k.entry(c.ID)
	if s := e.snap.Load(); s != nil && s.gen == e.gen.Load() {
		age := k.now().Sub(s.at)
		if age < k.fresh {
			return s, nil
		}
		if age < k.stale {
			if e.refreshing.CompareAndSwap(false, true) {
				go func() {
					defer e.refreshing.Store(false)
					if _, err := k.compute(context.Background(), e, c, s); err != nil {
						k.log.Warn("console: refresh", "campaign", c.ID, "err", err)
					}
				}()
			}
			return s, nil
		}
	}
	return k.compute(ctx, e, c, nil)
}

// compute judges the campaign unless another computation, finished while
// this one waited, made a snapshot newer than seen.
func (k *cache) compute(ctx context.Context, e *entry, c *campaign.Campaign, seen *snapshot) (*snapshot, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	gen := e.gen.Load()
	if s := e.snap.Load(); s != nil && s != seen && s.gen == gen && k.now().Sub(s.at) < k.fresh {
		return s, nil
	}
	rec := &recorder{Store: k.store}
	now := k.now()
	st, err := report.Compute(ctx, rec, c, now)
	if err != nil {
		return nil, err
	}
	s := &snapshot{c: c, st: st, rows: rec.rows, decisions: rec.decisions, jobs: rec.jobs, at: now, gen: gen}
	e.snap.Store(s)
	return s, nil
}

// invalidate makes the next get recompute campaign id's state.
func (k *cache) invalidate(id string) { k.entry(id).gen.Add(1) }
