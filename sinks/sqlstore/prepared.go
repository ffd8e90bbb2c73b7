package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// hotQueries are prepared once when an SQLite store opens: the queries run
// for every message stored and every receipt sent. Parsing and planning a
// statement costs SQLite about as much as running one of these, and
// database/sql prepares a query given as text at every call. On
// PostgreSQL, pgx already caches the statements it prepares on each
// connection.
var hotQueries = []query{
	qHasMessage, qInsertMessage, qRelocateMessage, qInsertAttachment, qInsertLink,
	qFirstCopyByID, qFirstCopyBySHA, qNotFirst, qInsertJob,
	qClaimJobs, qExtendJob, qFinishJob, qRetryJob, qSentTo, qUnfinishedJobs,
}

// prepared holds statements prepared on the database, by query text.
type prepared map[string]*sql.Stmt

// prepare prepares qs on db. An SQLite store has a single connection, on
// which each statement is then prepared once and reused, in transactions
// too.
func prepare(ctx context.Context, db *sql.DB, d *dialect, qs []query) (prepared, error) {
	p := make(prepared, len(qs))
	for _, q := range qs {
		text := d.text(q)
		if _, ok := p[text]; ok {
			continue
		}
		st, err := db.PrepareContext(ctx, text)
		if err != nil {
			_ = p.close()
			return nil, fmt.Errorf("prepare: %w", err)
		}
		p[text] = st
	}
	return p, nil
}

// close closes every statement.
func (p prepared) close() error {
	var errs []error
	for _, st := range p {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}

// on returns the prepared statement of text for x (the database or one of
// its transactions), or nil when text is not prepared or x is neither.
func (p prepared) on(ctx context.Context, x querier, text string) *sql.Stmt {
	st := p[text]
	if st == nil {
		return nil
	}
	switch x := x.(type) {
	case *sql.Tx:
		return x.StmtContext(ctx, st)
	case *sql.DB:
		return st
	}
	return nil
}
