package sqlstore

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestRebindDollar(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`WHERE a = ? AND b = ?`, `WHERE a = $1 AND b = $2`},
		{`VALUES (?,?,?)`, `VALUES ($1,$2,$3)`},
		{`WHERE a = '?' AND b = ?`, `WHERE a = '?' AND b = $1`},
		{`WHERE a = 'it''s ?' AND b = ?`, `WHERE a = 'it''s ?' AND b = $1`},
		{`SELECT "odd?name" FROM t WHERE x = ?`, `SELECT "odd?name" FROM t WHERE x = $1`},
		{"-- why?\nWHERE x = ? /* or? */ AND y = ?", "-- why?\nWHERE x = $1 /* or? */ AND y = $2"},
		{`WHERE x = ?-- trailing?`, `WHERE x = $1-- trailing?`},
		{`WHERE a = 'unterminated ?`, `WHERE a = 'unterminated ?`},
	} {
		if got := rebindDollar(tt.in); got != tt.want {
			t.Errorf("rebindDollar(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestQueriesRebound: every query declared with q has as many $n in its
// PostgreSQL form as ? in its SQLite form.
func TestQueriesRebound(t *testing.T) {
	for _, qq := range []query{qSaveCheckpoint, qInsertMessage, qMessages, qRecordDeadLetter, qPendingPostProcess, qMarkPostProcessed} {
		n := strings.Count(qq.sqlite, "?")
		if n == 0 || strings.Contains(qq.postgres, "?") || !strings.Contains(qq.postgres, "$"+strconv.Itoa(n)) || strings.Contains(qq.postgres, "$"+strconv.Itoa(n+1)) {
			t.Errorf("%d placeholders, rebound as:\n%s", n, qq.postgres)
		}
	}
}

func TestDialectTime(t *testing.T) {
	at := time.Date(2026, 6, 8, 23, 0, 0, 123456789, time.FixedZone("CST", 8*3600))
	if got := sqliteDialect.time(at); got != at.Truncate(time.Microsecond).UnixNano() {
		t.Errorf("sqlite time = %v", got)
	}
	if got := postgresDialect.time(at).(time.Time); got.Location() != time.UTC || !got.Equal(at.Truncate(time.Microsecond)) {
		t.Errorf("postgres time = %v", got)
	}
	if sqliteDialect.time(time.Time{}) != nil || postgresDialect.time(time.Time{}) != nil {
		t.Error("the zero time must be NULL")
	}
}

// TestPendingPostProcessUsesIndex: on SQLite the query reads the partial
// index of messages still to post-process, not every message of the mailbox.
func TestPendingPostProcessUsesIndex(t *testing.T) {
	s, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.db.Query(`EXPLAIN QUERY PLAN `+qPendingPostProcess.sqlite, "m", false, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if p := strings.Join(plan, "; "); !strings.Contains(p, "messages_post_process") {
		t.Errorf("plan: %s", p)
	} else {
		t.Log(p)
	}
}
