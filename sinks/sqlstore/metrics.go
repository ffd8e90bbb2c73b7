package sqlstore

import (
	"context"
	"database/sql"

	"github.com/shoubao/shoubao/sinks"
)

var (
	qMessageCounts = q(`SELECT mailbox_id, count(*) FROM messages GROUP BY mailbox_id ORDER BY mailbox_id`)
	qJobCounts     = q(`SELECT kind, state, count(*) FROM outbox GROUP BY kind, state ORDER BY kind, state`)
)

// MessageCounts counts the stored copies per mailbox.
func (s *Store) MessageCounts(ctx context.Context) ([]sinks.Count, error) {
	rows, err := s.query(ctx, qMessageCounts)
	out, err := collect(rows, err, func(r *sql.Rows, c *sinks.Count) error { return r.Scan(&c.Key, &c.N) })
	return out, fail("count messages", err)
}

// JobCounts counts the outgoing mail by kind and state ("kind/state").
func (s *Store) JobCounts(ctx context.Context) ([]sinks.Count, error) {
	rows, err := s.query(ctx, qJobCounts)
	out, err := collect(rows, err, func(r *sql.Rows, c *sinks.Count) error {
		var kind, state string
		if err := r.Scan(&kind, &state, &c.N); err != nil {
			return err
		}
		c.Key = kind + "/" + state
		return nil
	})
	return out, fail("count jobs", err)
}
