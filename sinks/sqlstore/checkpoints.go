package sqlstore

import (
	"context"
	"database/sql"

	"github.com/shoubao/shoubao/sinks"
)

var (
	qCheckpoints    = q(`SELECT ` + checkpointColumns + ` FROM mailbox_state ORDER BY mailbox_id`)
	qLoadCheckpoint = q(`SELECT ` + checkpointColumns + ` FROM mailbox_state WHERE mailbox_id = ?`)
	qSaveCheckpoint = q(`
		INSERT INTO mailbox_state (mailbox_id, campaign_id, address, uid_validity, last_uid, last_sync, last_error, last_error_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (mailbox_id) DO UPDATE SET campaign_id = excluded.campaign_id, address = excluded.address,
			uid_validity = excluded.uid_validity, last_uid = excluded.last_uid, last_sync = excluded.last_sync,
			last_error = excluded.last_error, last_error_at = excluded.last_error_at`)
)

const checkpointColumns = `mailbox_id, campaign_id, address, uid_validity, last_uid, last_sync, last_error, last_error_at`

func scanCheckpoint(r *sql.Rows, cp *sinks.Checkpoint) error {
	return r.Scan(&cp.MailboxID, &cp.CampaignID, &cp.Address, (*u32Col)(&cp.UIDValidity), (*u32Col)(&cp.LastUID),
		(*timeCol)(&cp.LastSync), &cp.LastError, (*timeCol)(&cp.LastErrorAt))
}

// LoadCheckpoint returns the mailbox's checkpoint, or an error wrapping
// sinks.ErrNotFound.
func (s *Store) LoadCheckpoint(ctx context.Context, mailboxID string) (sinks.Checkpoint, error) {
	rows, err := s.query(ctx, qLoadCheckpoint, mailboxID)
	cps, err := collect(rows, err, scanCheckpoint)
	if err == nil && len(cps) == 0 {
		err = sinks.ErrNotFound
	}
	if err != nil {
		return sinks.Checkpoint{}, fail("load checkpoint", err)
	}
	return cps[0], nil
}

// SaveCheckpoint writes the whole checkpoint (insert or replace).
func (s *Store) SaveCheckpoint(ctx context.Context, cp sinks.Checkpoint) error {
	_, err := s.exec(ctx, qSaveCheckpoint, cp.MailboxID, cp.CampaignID, cp.Address, int64(cp.UIDValidity), int64(cp.LastUID),
		s.d.time(cp.LastSync), cp.LastError, s.d.time(cp.LastErrorAt))
	return fail("save checkpoint", err)
}

// Checkpoints lists every mailbox's checkpoint, ordered by mailbox id.
func (s *Store) Checkpoints(ctx context.Context) ([]sinks.Checkpoint, error) {
	rows, err := s.query(ctx, qCheckpoints)
	cps, err := collect(rows, err, scanCheckpoint)
	return cps, fail("list checkpoints", err)
}
