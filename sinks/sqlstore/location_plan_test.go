package sqlstore

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestCopiesElsewhereUsesIndex: on SQLite the copies of a mailbox in
// other epochs are read from the index on (mailbox, UIDVALIDITY), not
// from every message of the mailbox.
func TestCopiesElsewhereUsesIndex(t *testing.T) {
	s, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.db.Query(`EXPLAIN QUERY PLAN `+qCopiesElsewhere.sqlite, "m", 7, 7)
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
	if p := strings.Join(plan, "; "); !strings.Contains(p, "messages_location") {
		t.Errorf("plan: %s", p)
	} else {
		t.Log(p)
	}
}
