package sqlstore

import (
	"context"
	"database/sql"

	"github.com/shoubao/shoubao/sinks"
)

var (
	qAddDecision = qInsert(`
		INSERT INTO decisions (campaign_id, kind, message_key, unit, code, file, address, until, decided_by, reason, decided_at,
			new_name, contact, phone)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
	qDecisions = q(`
		SELECT id, campaign_id, kind, message_key, unit, code, file, address, until, decided_by, reason, decided_at,
			new_name, contact, phone
		FROM decisions WHERE campaign_id = ? ORDER BY id`)
)

// AddDecision records an officer's decision, stamped with the store's
// clock when At is zero, and returns its id.
func (s *Store) AddDecision(ctx context.Context, d sinks.Decision) (int64, error) {
	at := d.At
	if at.IsZero() {
		at = s.stamp()
	}
	id, _, err := s.insert(ctx, qAddDecision, d.CampaignID, d.Kind, d.Message, d.Unit, d.Code, d.File, d.Address,
		s.d.time(d.Until), d.By, d.Reason, s.d.time(at), d.NewName, d.Contact, d.Phone)
	return id, fail("add decision", err)
}

// Decisions lists a campaign's decisions in the order they were made.
func (s *Store) Decisions(ctx context.Context, campaignID string) ([]sinks.Decision, error) {
	rows, err := s.query(ctx, qDecisions, campaignID)
	out, err := collect(rows, err, func(r *sql.Rows, d *sinks.Decision) error {
		return r.Scan(&d.ID, &d.CampaignID, &d.Kind, &d.Message, &d.Unit, &d.Code, &d.File, &d.Address,
			(*timeCol)(&d.Until), &d.By, &d.Reason, (*timeCol)(&d.At), &d.NewName, &d.Contact, &d.Phone)
	})
	return out, fail("list decisions", err)
}
