package sqlstore

import (
	"context"
	"database/sql"

	"github.com/shoubao/shoubao/sinks"
)

var (
	qRecordDeadLetter = q(`
		INSERT INTO dead_letters (campaign_id, mailbox_id, raw_object, uid_validity, uid, error, attempts, failed_at)
		VALUES (?,?,?,?,?,?,?,?)
		ON CONFLICT (raw_object) DO UPDATE SET error = excluded.error, attempts = excluded.attempts, failed_at = excluded.failed_at`)
	qDeadLetters = q(`
		SELECT id, campaign_id, mailbox_id, raw_object, uid_validity, uid, error, attempts, failed_at
		FROM dead_letters ORDER BY failed_at DESC, id DESC`)
	qCampaignCounts = q(`
		WITH ids AS (SELECT campaign_id FROM messages UNION SELECT campaign_id FROM dead_letters)
		SELECT ids.campaign_id,
			(SELECT count(*) FROM messages m WHERE m.campaign_id = ids.campaign_id),
			(SELECT count(*) FROM messages m WHERE m.campaign_id = ids.campaign_id AND m.class = 'submission'),
			(SELECT count(DISTINCT unit) FROM messages m WHERE m.campaign_id = ids.campaign_id AND m.class = 'submission' AND m.unit <> ''),
			(SELECT count(*) FROM messages m WHERE m.campaign_id = ids.campaign_id AND m.class = 'submission' AND m.late),
			(SELECT count(*) FROM dead_letters d WHERE d.campaign_id = ids.campaign_id)
		FROM ids ORDER BY ids.campaign_id`)
)

// RecordDeadLetter stores a dead letter; recording the same raw object again
// updates the error, attempt count and time.
func (s *Store) RecordDeadLetter(ctx context.Context, d sinks.DeadLetter) error {
	_, err := s.exec(ctx, qRecordDeadLetter, d.CampaignID, d.MailboxID, d.RawObject, int64(d.UIDValidity), int64(d.UID),
		d.Error, d.Attempts, s.d.time(d.FailedAt))
	return fail("record dead letter", err)
}

// DeadLetters lists dead letters, newest first.
func (s *Store) DeadLetters(ctx context.Context) ([]sinks.DeadLetter, error) {
	rows, err := s.query(ctx, qDeadLetters)
	out, err := collect(rows, err, func(r *sql.Rows, d *sinks.DeadLetter) error {
		return r.Scan(&d.ID, &d.CampaignID, &d.MailboxID, &d.RawObject, (*u32Col)(&d.UIDValidity), (*u32Col)(&d.UID),
			&d.Error, &d.Attempts, (*timeCol)(&d.FailedAt))
	})
	return out, fail("list dead letters", err)
}

// CampaignCounts sums up each campaign's messages and dead letters.
func (s *Store) CampaignCounts(ctx context.Context) ([]sinks.CampaignCount, error) {
	rows, err := s.query(ctx, qCampaignCounts)
	out, err := collect(rows, err, func(r *sql.Rows, c *sinks.CampaignCount) error {
		return r.Scan(&c.CampaignID, &c.Messages, &c.Submissions, &c.Units, &c.Late, &c.DeadLetters)
	})
	return out, fail("campaign counts", err)
}
