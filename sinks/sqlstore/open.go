package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite" // and the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"
)

// Store is the shoubao store on PostgreSQL or SQLite. It is safe for
// concurrent use.
type Store struct {
	handle
	db  *sql.DB
	now func() time.Time
}

// Option tunes a store.
type Option func(*Store)

// WithClock sets the clock that stamps stored_at (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(s *Store) { s.now = now }
}

// IsPostgresURL reports whether dsn names a PostgreSQL database
// (postgres:// or postgresql://) rather than an SQLite file.
func IsPostgresURL(dsn string) bool {
	l := strings.ToLower(dsn)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// Open opens the store named by dsn — a postgres:// or postgresql:// URL,
// or else the path of an SQLite file (created if missing) — checks that it
// answers, and applies pending migrations. Failing, it returns a nil
// *Store and an error naming the database (never its password) that wraps
// sinks.ErrUnavailable or sinks.ErrCorrupt when that is the cause.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	if IsPostgresURL(dsn) {
		return OpenPostgres(ctx, dsn, opts...)
	}
	return OpenSQLite(ctx, dsn, opts...)
}

// OpenPostgres opens a PostgreSQL database through pgx. Besides libpq's
// parameters the URL may hold pgxpool's pool_max_conns (default: the larger
// of 4 and the number of CPUs), pool_max_conn_lifetime and
// pool_max_conn_idle_time. Without connect_timeout, connecting gives up
// after 10 seconds.
func OpenPostgres(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	what := "open store " + redact(dsn)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message may quote the URL; do not repeat it.
		return nil, fmt.Errorf("%s: invalid PostgreSQL URL", what)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	maxConns := max(4, runtime.NumCPU())
	var lifetime, idleTime time.Duration
	for k, v := range cfg.RuntimeParams {
		if !strings.HasPrefix(k, "pool_") {
			continue
		}
		// pgxpool's settings, not server parameters.
		delete(cfg.RuntimeParams, k)
		var err error
		switch k {
		case "pool_max_conns":
			maxConns, err = strconv.Atoi(v)
			if err == nil && maxConns < 1 {
				err = errors.New("must be at least 1")
			}
		case "pool_max_conn_lifetime":
			lifetime, err = time.ParseDuration(v)
		case "pool_max_conn_idle_time":
			idleTime, err = time.ParseDuration(v)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %v", what, k, err)
		}
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns) // keep connections, and their prepared statements
	db.SetConnMaxLifetime(lifetime)
	db.SetConnMaxIdleTime(idleTime)
	return open(ctx, db, postgresDialect, what, opts)
}

// OpenSQLite opens (creating if needed) the SQLite database file at path,
// in WAL mode with a 15 s busy timeout and foreign keys on. Writes go
// through one connection: SQLite allows one writer at a time, and one
// connection turns lock contention inside the process into queueing.
func OpenSQLite(ctx context.Context, path string, opts ...Option) (*Store, error) {
	what := "open store " + path
	if path == "" {
		return nil, fmt.Errorf("open store: no database (empty path)")
	}
	p := url.Values{}
	p.Add("_pragma", "busy_timeout(15000)")
	p.Add("_pragma", "journal_mode(WAL)")
	p.Add("_pragma", "synchronous(NORMAL)")
	p.Add("_pragma", "foreign_keys(ON)")
	p.Set("_txlock", "immediate")
	// SQLite decodes %XX in a file: URI; escape what would end the path.
	esc := strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(path)
	// Processes opening a new database together can find it locked while
	// one of them switches it to WAL, which SQLite reports at once instead
	// of waiting out the busy timeout: try again, within that timeout.
	deadline := time.Now().Add(15 * time.Second)
	for {
		db, err := sql.Open("sqlite", "file:"+esc+"?"+p.Encode())
		if err != nil {
			return nil, fail(what, err)
		}
		db.SetMaxOpenConns(1)
		s, err := openDB(ctx, db, sqliteDialect, opts)
		if err == nil {
			return s, nil
		}
		var se *sqlite.Error
		if !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return nil, fail(what, err)
		}
		select {
		case <-ctx.Done():
			return nil, fail(what, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func open(ctx context.Context, db *sql.DB, d *dialect, what string, opts []Option) (*Store, error) {
	s, err := openDB(ctx, db, d, opts)
	return s, fail(what, err)
}

// openDB checks that db answers and brings its schema up to date; it
// closes db when it fails.
func openDB(ctx context.Context, db *sql.DB, d *dialect, opts []Option) (*Store, error) {
	s := &Store{handle: handle{x: db, d: d}, db: db, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if d == sqliteDialect {
		ps, err := prepare(ctx, db, d, hotQueries)
		if err != nil {
			db.Close()
			return nil, err
		}
		s.handle.ps = ps
	}
	return s, nil
}

// redact returns the URL without its password, or a placeholder when it
// does not parse.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable PostgreSQL URL)"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// Dialect names the database: "postgres" or "sqlite".
func (s *Store) Dialect() string { return s.d.name }

// Close releases the database. Closing a nil *Store does nothing.
func (s *Store) Close() {
	if s == nil || s.db == nil {
		return
	}
	_ = s.ps.close()
	_ = s.db.Close()
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return fail("ping", s.db.PingContext(ctx))
}

// inTx runs f in a transaction (BEGIN IMMEDIATE on SQLite), committing
// when f returns nil.
func (s *Store) inTx(ctx context.Context, f func(tx handle) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(handle{x: tx, d: s.d, ps: s.ps}); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// stamp is the store's clock, truncated like every stored time.
func (s *Store) stamp() time.Time { return s.now().Truncate(time.Microsecond).UTC() }
