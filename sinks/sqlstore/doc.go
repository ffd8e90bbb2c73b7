// Package sqlstore is shoubao's store: one implementation, written once,
// over PostgreSQL (production; driver github.com/jackc/pgx/v5/stdlib) and
// SQLite (the embedded default; the pure-Go driver modernc.org/sqlite).
// Open picks the database from the DSN: a postgres:// or postgresql:// URL
// is PostgreSQL, anything else is the path of an SQLite file.
//
// # Why database/sql and a dialect
//
// Every query is written once, in the SQL both databases accept, through
// database/sql. What differs is kept in a small dialect value (dialect.go):
// placeholders (queries are written with ?, rebound to $1, $2… for
// PostgreSQL once, when the package is initialised), how times are encoded
// (TIMESTAMPTZ vs Unix nanoseconds in an INTEGER, as the first SQLite
// store wrote them), the schema_migrations table, and the migration lock.
// Generating code per engine (sqlc with two engines) was the alternative;
// it was not chosen because it puts a code generator in the build and
// still leaves two query texts to keep in step, which is the drift this
// package replaces (the two former stores disagreed on where stored_at
// came from and on how a new row was recognised).
//
// # Semantics shared by both databases
//
//   - Times come from Go: stored_at is the store's clock (time.Now unless
//     WithClock says otherwise), passed as a parameter, never a database
//     DEFAULT. Every time is truncated to microseconds before it is
//     written (PostgreSQL's resolution), so both databases give back the
//     same value, in UTC. A zero time is NULL.
//   - JSON (findings, analysis, details, address lists) is passed as text;
//     PostgreSQL keeps it as JSONB, SQLite as TEXT.
//   - SaveMessage knows a new row by INSERT … ON CONFLICT DO NOTHING
//     having inserted one (handle.insert: RETURNING id on PostgreSQL, the
//     driver's RowsAffected and LastInsertId on SQLite, where RETURNING
//     costs a temporary table per statement); otherwise the existing row's
//     location is updated and created is false.
//   - Errors: every method's error starts with its operation ("save
//     message: …"); driver errors are translated at this boundary into
//     sinks.ErrNotFound, sinks.ErrUnavailable or sinks.ErrCorrupt (test
//     them with errors.Is; see errors.go), context cancellation stays
//     context.Canceled / DeadlineExceeded, and no driver error type leaks
//     (their text is kept in the message).
//
// # Adding a table (the pattern)
//
//  1. A migration per dialect with the next number:
//     migrations/postgres/002_decisions.sql and
//     migrations/sqlite/002_decisions.sql (same tables and columns;
//     TIMESTAMPTZ ↔ INTEGER, JSONB ↔ TEXT, BOOLEAN ↔ INTEGER,
//     BIGSERIAL ↔ INTEGER PRIMARY KEY AUTOINCREMENT). The one runner
//     (migrate.go) applies them in order at Open and records the number in
//     schema_migrations.
//  2. A file (decisions.go) with its queries as package-level
//     q(`… ? …`) values — written once, with ? placeholders; an INSERT
//     whose new id is wanted is declared with qInsert (no RETURNING) and
//     run with s.insert — and the methods, using s.exec, s.query,
//     s.queryRow, s.insert (or s.inTx), s.d.time for times, jsonText for
//     JSON, and the column scanners timeCol, u32Col, jsonCol, jsonList.
//     Wrap every returned error with fail("op", err).
//  3. Tests in sinks/storetest, which runs on both databases.
//
// Avoid PostgreSQL's jsonb ? operators (the rebinder takes every ? outside
// quotes and comments for a placeholder) and SQL that only one database
// knows; when a difference is unavoidable, put it in the dialect.
package sqlstore
