package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoubao/shoubao/sinks"
	"github.com/shoubao/shoubao/sinks/sqlstore"
	"github.com/shoubao/shoubao/sinks/sqlstore/pgtest"
	"github.com/shoubao/shoubao/sinks/storetest"
)

// dialects gives each test a fresh, empty database of each kind: a temp
// SQLite file, and a private schema on the real PostgreSQL server.
var dialects = []struct {
	name string
	dsn  func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "shoubao.db") }},
	{"postgres", func(t *testing.T) string { return pgtest.SchemaURL(t) }},
}

func open(t *testing.T, dsn string, opts ...sqlstore.Option) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), dsn, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestConformance(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			storetest.Run(t, func(t *testing.T) storetest.Store {
				s := open(t, d.dsn(t))
				if s.Dialect() != d.name {
					t.Fatalf("Open chose %s, want %s", s.Dialect(), d.name)
				}
				return s
			})
		})
	}
}

// TestStoredAtFromClock: stored_at is the store's (Go) clock, truncated to
// microseconds, identically on both databases.
func TestStoredAtFromClock(t *testing.T) {
	at := time.Date(2026, 6, 8, 23, 59, 59, 999999999, time.FixedZone("CST", 8*3600))
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			s := open(t, d.dsn(t), sqlstore.WithClock(func() time.Time { return at }))
			ctx := context.Background()
			m := &sinks.Message{CampaignID: "c", MailboxID: "c/a", RawObject: "o", RawSHA256: "x", InternalDate: at, Class: "submission"}
			if _, _, err := s.SaveMessage(ctx, m); err != nil {
				t.Fatal(err)
			}
			got, err := s.Messages(ctx, "")
			if err != nil || len(got) != 1 {
				t.Fatalf("Messages = %v, %v", got, err)
			}
			want := time.Date(2026, 6, 8, 15, 59, 59, 999999000, time.UTC)
			if g := got[0].StoredAt; g != want || got[0].InternalDate != want {
				t.Errorf("stored_at %v, internal_date %v; want both %v (UTC, whole microseconds)", g, got[0].InternalDate, want)
			}
		})
	}
}

// TestReopen: opening an up-to-date database (every restart) applies
// nothing, fails nothing, keeps the data — also several processes at once.
func TestReopen(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			dsn := d.dsn(t)
			ctx := context.Background()
			errs := make(chan error, 3)
			for i := 0; i < 3; i++ {
				go func() {
					s, err := sqlstore.Open(ctx, dsn)
					if err == nil {
						err = s.SaveCheckpoint(ctx, sinks.Checkpoint{MailboxID: "m", CampaignID: "c", Address: "a", LastUID: 7})
						s.Close()
					}
					errs <- err
				}()
			}
			for i := 0; i < 3; i++ {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			s := open(t, dsn)
			if cp, err := s.LoadCheckpoint(ctx, "m"); err != nil || cp.LastUID != 7 {
				t.Fatalf("after reopening: %+v, %v", cp, err)
			}
			assertMigrations(t, d.name, dsn)
		})
	}
}

// assertMigrations checks schema_migrations holds each version once.
func assertMigrations(t *testing.T, dialect, dsn string) {
	t.Helper()
	db := rawDB(t, dialect, dsn)
	var n, distinct, max int
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT version), max(version) FROM schema_migrations`).Scan(&n, &distinct, &max); err != nil {
		t.Fatal(err)
	}
	if n != distinct || max < 1 {
		t.Errorf("schema_migrations: %d rows, %d versions, latest %d", n, distinct, max)
	}
}

// rawDB opens the database with its driver alone, as the former stores did.
func rawDB(t *testing.T, dialect, dsn string) *sql.DB {
	t.Helper()
	var db *sql.DB
	var err error
	if dialect == "postgres" {
		db, err = sql.Open("pgx", dsn)
	} else {
		db, err = sql.Open("sqlite", "file:"+dsn+"?_pragma=busy_timeout(15000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(ON)")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestOpenErrors: a database that cannot be reached, refuses us, or is
// damaged gives a clear error wrapping the store's sentinel — and never a
// password — instead of a panic or a hang.
func TestOpenErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	check := func(t *testing.T, dsn string, want error, mentions string) {
		t.Helper()
		s, err := sqlstore.Open(ctx, dsn)
		if err == nil {
			s.Close()
			t.Fatalf("Open(%s) succeeded", dsn)
		}
		if s != nil {
			t.Errorf("Open returned a non-nil store with its error")
		}
		if !errors.Is(err, want) {
			t.Errorf("Open(%s) = %v; want an error wrapping %v", dsn, err, want)
		}
		if !strings.Contains(err.Error(), mentions) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error %q should mention %q and hide the password", err, mentions)
		}
		t.Log(err)
	}
	t.Run("postgres port closed", func(t *testing.T) {
		check(t, "postgres://shoubao:s3cret@127.0.0.1:1/test?sslmode=disable", sinks.ErrUnavailable, "127.0.0.1:1")
	})
	t.Run("postgres host unknown", func(t *testing.T) {
		check(t, "postgresql://shoubao:s3cret@no-such-host.invalid/test?connect_timeout=5", sinks.ErrUnavailable, "no-such-host.invalid")
	})
	t.Run("postgres bad user", func(t *testing.T) {
		u := withUser(t, pgtest.SchemaURL(t), "shoubao_no_such_role", "s3cret")
		check(t, u, sinks.ErrUnavailable, "shoubao_no_such_role")
	})
	t.Run("postgres no such database", func(t *testing.T) {
		u, _ := url.Parse(pgtest.SchemaURL(t))
		u.Path = "/shoubao_no_such_db"
		check(t, u.String(), sinks.ErrUnavailable, "shoubao_no_such_db")
	})
	t.Run("sqlite not a database", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "shoubao.db")
		if err := os.WriteFile(path, []byte(strings.Repeat("this is not an SQLite file\n", 400)), 0o600); err != nil {
			t.Fatal(err)
		}
		check(t, path, sinks.ErrCorrupt, path)
	})
	t.Run("sqlite damaged pages", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "shoubao.db")
		s, err := sqlstore.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// Keep the 100-byte header, overwrite the schema page's contents.
		for i := 100; i < len(b) && i < 4096; i++ {
			b[i] = 0xA5
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		check(t, path, sinks.ErrCorrupt, path)
	})
	t.Run("sqlite directory missing", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "missing", "shoubao.db")
		check(t, path, sinks.ErrUnavailable, path)
	})
	t.Run("empty", func(t *testing.T) {
		if s, err := sqlstore.Open(ctx, ""); err == nil || s != nil {
			t.Fatalf("Open(\"\") = %v, %v", s, err)
		}
	})
}

func withUser(t *testing.T, dsn, user, password string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(user, password)
	return u.String()
}

// TestErrorsAfterOpen: the sentinels also come out of ordinary calls.
func TestErrorsAfterOpen(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			s := open(t, d.dsn(t))
			ctx := context.Background()
			if _, err := s.LoadCheckpoint(ctx, "nope"); !errors.Is(err, sinks.ErrNotFound) || !strings.HasPrefix(err.Error(), "load checkpoint") {
				t.Errorf("LoadCheckpoint: %v", err)
			}
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			if _, err := s.Messages(cctx, ""); !errors.Is(err, context.Canceled) {
				t.Errorf("Messages with a cancelled context: %v", err)
			}
		})
	}
}
