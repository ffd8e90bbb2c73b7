package sqlstore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"sort"
)

var (
	// Two ranges rather than <>, so that SQLite reads them from the index
	// messages_location.
	qCopiesElsewhere = q(`
		SELECT raw_sha256, raw_size FROM messages
		WHERE mailbox_id = ? AND (uid_validity < ? OR uid_validity > ?)`)
	qRelocate    = q(`UPDATE messages SET uid_validity = ?, uid = ? WHERE mailbox_id = ? AND raw_sha256 = ?`)
	qMoveForward = q(`
		UPDATE messages SET uid_validity = ?, uid = ?
		WHERE mailbox_id = ? AND raw_sha256 = ? AND uid_validity < ?`)
)

// CopiesElsewhere returns the raw SHA-256 and size of each of the
// mailbox's stored copies whose location is in another UIDVALIDITY epoch
// than uidValidity: after a reset, the messages the poller may find again
// under a new UID. The map is empty in the usual case, where every copy is
// in the current epoch. A malformed stored hash is left out.
func (s *Store) CopiesElsewhere(ctx context.Context, mailboxID string, uidValidity uint32) (map[[32]byte]int64, error) {
	rows, err := s.query(ctx, qCopiesElsewhere, mailboxID, int64(uidValidity), int64(uidValidity))
	out := map[[32]byte]int64{}
	err = each(rows, err, func(r *sql.Rows) error {
		var sum string
		var size int64
		if err := r.Scan(&sum, &size); err != nil {
			return err
		}
		var k [32]byte
		if n, err := hex.Decode(k[:], []byte(sum)); err == nil && n == len(k) {
			out[k] = size
		}
		return nil
	})
	if err != nil {
		return nil, fail("copies elsewhere", err)
	}
	return out, nil
}

// Relocate moves the mailbox's stored copies to a new location, in one
// transaction: the copy whose raw SHA-256 (hex) is a key of uids to
// UIDVALIDITY uidValidity and that UID. A hash the mailbox does not hold
// is ignored.
func (s *Store) Relocate(ctx context.Context, mailboxID string, uidValidity uint32, uids map[string]uint32) error {
	if len(uids) == 0 {
		return nil
	}
	// In a fixed order, so that two writers never wait for each other's
	// rows on PostgreSQL.
	sums := make([]string, 0, len(uids))
	for sum := range uids {
		sums = append(sums, sum)
	}
	sort.Strings(sums)
	err := s.inTx(ctx, func(tx handle) error {
		for _, sum := range sums {
			if _, err := tx.exec(ctx, qRelocate, int64(uidValidity), int64(uids[sum]), mailboxID, sum); err != nil {
				return err
			}
		}
		return nil
	})
	return fail("relocate", err)
}

// MoveForward moves the mailbox's stored copy whose raw SHA-256 (hex) is
// sum to (uidValidity, uid) when it is filed under an older UIDVALIDITY
// (RFC 3501: a reset's UIDVALIDITY is greater than the one before). It is
// the worker's answer to an event published after a reset for a message an
// event of the old epoch stored meanwhile; an event of the old epoch
// arriving late moves nothing back. moved reports whether a copy moved.
func (s *Store) MoveForward(ctx context.Context, mailboxID, sum string, uidValidity, uid uint32) (moved bool, err error) {
	res, err := s.exec(ctx, qMoveForward, int64(uidValidity), int64(uid), mailboxID, sum, int64(uidValidity))
	if err != nil {
		return false, fail("move forward", err)
	}
	n, err := res.RowsAffected()
	return n > 0, fail("move forward", err)
}
