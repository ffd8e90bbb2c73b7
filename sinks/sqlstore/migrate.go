package sqlstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// migrations holds the numbered schema changes, one directory per dialect:
// migrations/postgres/NNN_name.sql and migrations/sqlite/NNN_name.sql.
//
//go:embed migrations
var migrations embed.FS

// migrationLockKey is the PostgreSQL advisory lock held while migrating;
// the former sinks/postgres used the same key, so an old and a new process
// starting together do not migrate at once.
const migrationLockKey = 7352901

type migration struct {
	version int
	name    string
	sql     string
}

// migrationFiles returns the dialect's migrations in version order.
func migrationFiles(d *dialect) ([]migration, error) {
	dir := path.Join("migrations", d.name)
	entries, err := fs.Glob(migrations, dir+"/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	seen := map[int]string{}
	for _, e := range entries {
		base := path.Base(e)
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s/%s: the name must start with its number", d.name, base)
		}
		if other, ok := seen[v]; ok {
			return nil, fmt.Errorf("migrations %s and %s share number %d", other, base, v)
		}
		seen[v] = base
		b, err := migrations.ReadFile(e)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: d.name + "/" + base, sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// migrate applies every migration newer than the database's version, each
// in its own transaction together with its schema_migrations row. The
// bookkeeping is the former stores': schema_migrations(version,
// applied_at), so their databases carry on from where they are.
// Processes opening the same database at once are serialised by an
// advisory lock (PostgreSQL) or by BEGIN IMMEDIATE (SQLite); the version is
// read again inside each transaction, so a migration applied meanwhile by
// another process is skipped.
func (s *Store) migrate(ctx context.Context) error {
	files, err := migrationFiles(s.d)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if s.d.advisoryLock {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+strconv.Itoa(migrationLockKey)+`)`); err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+strconv.Itoa(migrationLockKey)+`)`) //nolint:errcheck
	}
	if _, err := conn.ExecContext(ctx, s.d.migrationsTable); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var current int
	if err := (handle{x: conn, d: s.d}).queryRow(ctx, qMigrationVersion).Scan(&current); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, m := range files {
		if m.version <= current {
			continue
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		h := handle{x: tx, d: s.d}
		err = h.queryRow(ctx, qMigrationVersion).Scan(&current)
		if err == nil && m.version > current {
			if _, err = tx.ExecContext(ctx, m.sql); err == nil {
				_, err = h.exec(ctx, qMigrationApplied, m.version, s.d.time(s.stamp()))
			}
		}
		if err == nil {
			err = tx.Commit()
		} else {
			_ = tx.Rollback()
		}
		if err != nil {
			return fmt.Errorf("migrate: apply %s: %w", m.name, err)
		}
	}
	return nil
}

var (
	qMigrationVersion = q(`SELECT coalesce(max(version), 0) FROM schema_migrations`)
	qMigrationApplied = q(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`)
)
