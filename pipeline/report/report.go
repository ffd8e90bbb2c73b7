// Package report shows a campaign's state, as pipeline/rules judges it from
// the store, to officers: a plain-text table in Chinese for a terminal or a
// mail, and the stable JSON of `shoubao report --format json`.
package report

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/rules"
	"github.com/shoubao/shoubao/sinks"
)

// Source is what a report reads from the store.
type Source interface {
	// Facts lists a campaign's stored copies in arrival order; the first
	// copy of each message carries its files and links.
	Facts(ctx context.Context, campaignID string) ([]sinks.Message, error)
	Decisions(ctx context.Context, campaignID string) ([]sinks.Decision, error)
	// Jobs lists the outgoing mail decided (receipts).
	Jobs(ctx context.Context, campaignID string) ([]sinks.Job, error)
}

// Compute judges campaign c from what src holds, at now.
func Compute(ctx context.Context, src Source, c *campaign.Campaign, now time.Time) (*rules.State, error) {
	rows, err := src.Facts(ctx, c.ID)
	if err != nil {
		return nil, fmt.Errorf("report %s: %w", c.ID, err)
	}
	stored, err := src.Decisions(ctx, c.ID)
	if err != nil {
		return nil, fmt.Errorf("report %s: %w", c.ID, err)
	}
	jobs, err := src.Jobs(ctx, c.ID)
	if err != nil {
		return nil, fmt.Errorf("report %s: %w", c.ID, err)
	}
	st := rules.Judge(c, rules.FromStored(rows), Decisions(stored), now)
	receiptStates(st, jobs)
	return st, nil
}

// receiptStates puts each message's receipt state on it: previewed,
// pending, sending, sent, failed, or skipped with the reason (robot,
// inquiry, reply, limit…).
func receiptStates(st *rules.State, jobs []sinks.Job) {
	state := map[string]string{}
	for _, j := range jobs {
		if j.Kind != "receipt" {
			continue
		}
		s := j.State
		if j.Reason != "" && (j.State == sinks.JobSkipped || j.State == sinks.JobFailed) {
			s += ": " + j.Reason
		}
		state[j.Key] = s
	}
	set := func(ms []rules.MessageState) {
		for i := range ms {
			ms[i].Receipt = state[ms[i].Key]
		}
	}
	for i := range st.Units {
		set(st.Units[i].Messages)
	}
	set(st.Unmatched)
	set(st.Inquiries)
	set(st.Other)
}

// Decisions converts stored decisions to the rules' form.
func Decisions(stored []sinks.Decision) []rules.Decision {
	out := make([]rules.Decision, 0, len(stored))
	for _, d := range stored {
		out = append(out, rules.Decision{ID: d.ID, Kind: d.Kind, Message: d.Message, Unit: d.Unit, Code: d.Code,
			File: d.File, Address: d.Address, Until: d.Until, NewName: d.NewName, Contact: d.Contact, Phone: d.Phone,
			By: d.By, Reason: d.Reason, At: d.At})
	}
	return out
}

// WriteJSON writes the state as the JSON documented in the README
// (`shoubao report --format json`), on one line, or indented for people
// when indent is set.
func WriteJSON(w io.Writer, st *rules.State, indent bool) error {
	enc := json.NewEncoder(w)
	if indent {
		enc.SetIndent("", "  ")
	}
	enc.SetEscapeHTML(false)
	if err := enc.Encode(st); err != nil {
		return fmt.Errorf("write report json: %w", err)
	}
	return nil
}
