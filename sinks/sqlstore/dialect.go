package sqlstore

import (
	"strconv"
	"strings"
	"time"
)

// dialect is what differs between the two databases. Everything else is
// one query text.
type dialect struct {
	// name is "postgres" or "sqlite"; it also names the migrations
	// directory (migrations/<name>/).
	name string
	// migrationsTable creates schema_migrations as the former stores did,
	// so that their databases open unchanged.
	migrationsTable string
	// advisoryLock serialises migrations across processes (PostgreSQL);
	// SQLite relies on BEGIN IMMEDIATE instead.
	advisoryLock bool
	// unixNanos stores times as Unix nanoseconds in an INTEGER (SQLite)
	// rather than as TIMESTAMPTZ.
	unixNanos bool
	// lastInsertID: a new row's id comes from the driver's LastInsertId
	// (SQLite, where RETURNING costs an extra temporary table per
	// statement) rather than from RETURNING id (PostgreSQL, whose pgx
	// driver has no LastInsertId).
	lastInsertID bool
}

var (
	postgresDialect = &dialect{
		name: "postgres",
		migrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
		advisoryLock: true,
	}
	sqliteDialect = &dialect{
		name:            "sqlite",
		migrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`,
		unixNanos:       true,
		lastInsertID:    true,
	}
)

// query is one SQL text, written once with ? placeholders, and its
// PostgreSQL form ($1, $2…), computed when the package is initialised.
type query struct {
	sqlite, postgres string
}

// q declares a query. Use it for package-level values, so that rebinding
// happens once.
func q(text string) query { return query{sqlite: text, postgres: rebindDollar(text)} }

// qInsert declares an INSERT whose new row's id is wanted (see
// handle.insert); text has no RETURNING clause and may end in ON CONFLICT
// … DO NOTHING.
func qInsert(text string) query {
	return query{sqlite: text, postgres: rebindDollar(text) + " RETURNING id"}
}

// text returns the query in this dialect.
func (d *dialect) text(q query) string {
	if d == postgresDialect {
		return q.postgres
	}
	return q.sqlite
}

// time encodes t for a query parameter: truncated to microseconds (what
// PostgreSQL keeps, so that both databases give back the same value), in
// UTC, as Unix nanoseconds for SQLite; NULL for the zero time.
func (d *dialect) time(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	t = t.Truncate(time.Microsecond).UTC()
	if d.unixNanos {
		return t.UnixNano()
	}
	return t
}

// rebindDollar turns each ? placeholder into $1, $2… in order, leaving
// ? alone inside string literals, quoted identifiers and comments.
func rebindDollar(s string) string {
	if !strings.Contains(s, "?") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(s) && s[j] != c {
				j++
			}
			// A doubled quote inside a literal ends this loop and
			// starts the next one; either way it is copied as is.
			b.WriteString(s[i:min(j+1, len(s))])
			i = j
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				j = len(s) - i
			}
			b.WriteString(s[i : i+j])
			i += j - 1
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			j := strings.Index(s[i+2:], "*/")
			end := len(s)
			if j >= 0 {
				end = i + 2 + j + 2
			}
			b.WriteString(s[i:end])
			i = end - 1
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
