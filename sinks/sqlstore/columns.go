package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// querier is what *sql.DB, *sql.Conn and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// handle runs queries written once on a database, connection or
// transaction, in the store's dialect.
type handle struct {
	x querier
	d *dialect
	// ps are the statements prepared once (SQLite's hot queries).
	ps prepared
}

func (h handle) exec(ctx context.Context, q query, args ...any) (sql.Result, error) {
	text := h.d.text(q)
	if st := h.ps.on(ctx, h.x, text); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return h.x.ExecContext(ctx, text, args...)
}

func (h handle) query(ctx context.Context, q query, args ...any) (*sql.Rows, error) {
	text := h.d.text(q)
	if st := h.ps.on(ctx, h.x, text); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return h.x.QueryContext(ctx, text, args...)
}

func (h handle) queryRow(ctx context.Context, q query, args ...any) *sql.Row {
	text := h.d.text(q)
	if st := h.ps.on(ctx, h.x, text); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return h.x.QueryRowContext(ctx, text, args...)
}

// insert runs a query declared with qInsert and returns the new row's id
// (the table's id column); inserted is false when ON CONFLICT … DO NOTHING
// left the table as it was.
func (h handle) insert(ctx context.Context, q query, args ...any) (id int64, inserted bool, err error) {
	if !h.d.lastInsertID {
		err = h.queryRow(ctx, q, args...).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, false, nil
		}
		return id, err == nil, err
	}
	res, err := h.exec(ctx, q, args...)
	if err != nil {
		return 0, false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return 0, false, err
	}
	id, err = res.LastInsertId()
	return id, err == nil, err
}

// collect scans every row into a T with scan and closes rows. err is the
// error of the query that returned rows, so that a call reads
// rows, err := s.query(…); out, err := collect(rows, err, scanX).
func collect[T any](rows *sql.Rows, err error, scan func(*sql.Rows, *T) error) ([]T, error) {
	var out []T
	err = each(rows, err, func(r *sql.Rows) error {
		var v T
		if err := scan(r, &v); err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// each calls f for every row and closes rows; err as for collect.
func each(rows *sql.Rows, err error, f func(*sql.Rows) error) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := f(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Column scanners: convert what either driver returns into the record's
// type, e.g. rows.Scan((*timeCol)(&m.InternalDate)).

// timeCol reads a time stored as TIMESTAMPTZ (PostgreSQL) or as Unix
// nanoseconds (SQLite); NULL is the zero time. Times come back in UTC,
// truncated to microseconds.
type timeCol time.Time

func (c *timeCol) Scan(src any) error {
	var t time.Time
	switch v := src.(type) {
	case nil:
	case time.Time:
		t = v
	case int64:
		t = time.Unix(0, v)
	default:
		return fmt.Errorf("time column: unexpected %T", src)
	}
	if !t.IsZero() {
		t = t.Truncate(time.Microsecond).UTC()
	}
	*c = timeCol(t)
	return nil
}

// u32Col reads a UID or UIDVALIDITY (BIGINT in both databases).
type u32Col uint32

func (c *u32Col) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		*c = u32Col(v)
	default:
		return fmt.Errorf("uint32 column: unexpected %T", src)
	}
	return nil
}

// jsonCol reads a JSON document (JSONB or TEXT); NULL is nil.
type jsonCol json.RawMessage

func (c *jsonCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c = nil
	case string:
		*c = jsonCol(v)
	case []byte:
		*c = append(jsonCol(nil), v...)
	default:
		return fmt.Errorf("json column: unexpected %T", src)
	}
	return nil
}

// jsonList reads a JSON array of strings (address lists).
type jsonList []string

func (c *jsonList) Scan(src any) error {
	var j jsonCol
	if err := j.Scan(src); err != nil {
		return err
	}
	*c = nil
	if len(j) == 0 {
		return nil
	}
	return json.Unmarshal(j, (*[]string)(c))
}

// jsonText encodes a JSON document for a parameter: def when empty (nil
// def: NULL). Text suits both JSONB and TEXT columns.
func jsonText(b json.RawMessage, def any) any {
	if len(b) == 0 {
		return def
	}
	return string(b)
}

// listText encodes an address list as a JSON array (never null).
func listText(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(l)
	return string(b)
}
