package sqlstore

import (
	"context"
	"database/sql"

	"github.com/shoubao/shoubao/sinks"
)

var (
	// post_processed = ? (bound to false) rather than NOT post_processed:
	// SQLite then reads the partial index messages_post_process (whose
	// predicate is post_processed = 0), PostgreSQL its own (NOT
	// post_processed) once the value is known.
	qPendingPostProcess = q(`
		SELECT id, uid_validity, uid FROM messages WHERE mailbox_id = ? AND post_processed = ? ORDER BY id LIMIT ?`)
	qMarkPostProcessed = q(`UPDATE messages SET post_processed = true WHERE id = ?`)
)

// PendingPostProcess lists up to limit stored messages of the mailbox whose
// mailbox action has not run yet, oldest first.
func (s *Store) PendingPostProcess(ctx context.Context, mailboxID string, limit int) ([]sinks.PostProcessItem, error) {
	rows, err := s.query(ctx, qPendingPostProcess, mailboxID, false, limit)
	out, err := collect(rows, err, func(r *sql.Rows, it *sinks.PostProcessItem) error {
		return r.Scan(&it.MessageID, (*u32Col)(&it.UIDValidity), (*u32Col)(&it.UID))
	})
	return out, fail("pending post-process", err)
}

// MarkPostProcessed records that the mailbox action ran for these messages,
// in one transaction (one statement per id: one query text on both
// databases, prepared once per connection on PostgreSQL).
func (s *Store) MarkPostProcessed(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(tx handle) error {
		for _, id := range ids {
			if _, err := tx.exec(ctx, qMarkPostProcessed, id); err != nil {
				return err
			}
		}
		return nil
	})
	return fail("mark post-processed", err)
}
