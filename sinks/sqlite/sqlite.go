// Package sqlite is the embedded store: the same records as sinks/postgres
// in one SQLite file, through the pure-Go driver modernc.org/sqlite, so a
// single binary runs with no database server. Times are stored as Unix
// nanoseconds and JSON as text.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/shoubao/shoubao/sinks"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a SQLite-backed store. It is safe for concurrent use; writes are
// serialised through a single connection.
type Store struct {
	db *sql.DB
}

// Open opens (creating if needed) the database file at path and applies
// pending migrations.
func Open(ctx context.Context, path string) (*Store, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(15000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite open: %w", err)
	}
	// One connection: SQLite allows one writer at a time, and a single
	// connection turns lock contention inside the process into queueing.
	db.SetMaxOpenConns(1)
	s := &Store{db: db}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() { s.db.Close() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite ping: %w", err)
	}
	return nil
}

func (s *Store) migrate(ctx context.Context) error {
	entries, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("sqlite migrate: %w", err)
	}
	sort.Strings(entries)
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("sqlite migrate: %w", err)
	}
	var current int
	if err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("sqlite migrate: %w", err)
	}
	for _, e := range entries {
		base := strings.TrimPrefix(e, "migrations/")
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("sqlite migrate: %s: name must start with its number", base)
		}
		if v <= current {
			continue
		}
		b, err := migrations.ReadFile(e)
		if err != nil {
			return fmt.Errorf("sqlite migrate: %w", err)
		}
		err = s.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(b)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, v, time.Now().UnixNano())
			return err
		})
		if err != nil {
			return fmt.Errorf("sqlite migrate: apply %s: %w", base, err)
		}
	}
	return nil
}

func (s *Store) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback() //nolint:errcheck
		return err
	}
	return tx.Commit()
}

// LoadCheckpoint returns the mailbox's checkpoint, or sinks.ErrNotFound.
func (s *Store) LoadCheckpoint(ctx context.Context, mailboxID string) (sinks.Checkpoint, error) {
	cps, err := s.checkpoints(ctx, ` WHERE mailbox_id = ?`, mailboxID)
	if err != nil {
		return sinks.Checkpoint{}, fmt.Errorf("load checkpoint: %w", err)
	}
	if len(cps) == 0 {
		return sinks.Checkpoint{}, sinks.ErrNotFound
	}
	return cps[0], nil
}

// SaveCheckpoint writes the whole checkpoint (insert or replace).
func (s *Store) SaveCheckpoint(ctx context.Context, cp sinks.Checkpoint) error {
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO mailbox_state (mailbox_id, campaign_id, address, uid_validity, last_uid, last_sync, last_error, last_error_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (mailbox_id) DO UPDATE SET campaign_id = excluded.campaign_id, address = excluded.address,
			uid_validity = excluded.uid_validity, last_uid = excluded.last_uid, last_sync = excluded.last_sync,
			last_error = excluded.last_error, last_error_at = excluded.last_error_at`,
		cp.MailboxID, cp.CampaignID, cp.Address, int64(cp.UIDValidity), int64(cp.LastUID),
		nanos(cp.LastSync), cp.LastError, nanos(cp.LastErrorAt))
	if err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	return nil
}

// Checkpoints lists every mailbox's checkpoint, ordered by mailbox id.
func (s *Store) Checkpoints(ctx context.Context) ([]sinks.Checkpoint, error) {
	cps, err := s.checkpoints(ctx, ` ORDER BY mailbox_id`)
	if err != nil {
		return nil, fmt.Errorf("list checkpoints: %w", err)
	}
	return cps, nil
}

func (s *Store) checkpoints(ctx context.Context, where string, args ...any) ([]sinks.Checkpoint, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT mailbox_id, campaign_id, address, uid_validity, last_uid, last_sync, last_error, last_error_at FROM mailbox_state`+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sinks.Checkpoint
	for rows.Next() {
		var cp sinks.Checkpoint
		var uv, lu int64
		var ls, le sql.NullInt64
		if err := rows.Scan(&cp.MailboxID, &cp.CampaignID, &cp.Address, &uv, &lu, &ls, &cp.LastError, &le); err != nil {
			return nil, err
		}
		cp.UIDValidity, cp.LastUID = uint32(uv), uint32(lu)
		cp.LastSync, cp.LastErrorAt = fromNanos(ls), fromNanos(le)
		out = append(out, cp)
	}
	return out, rows.Err()
}

// HasMessage reports whether the mailbox already holds a message with these
// raw bytes.
func (s *Store) HasMessage(ctx context.Context, mailboxID, rawSHA256 string) (bool, error) {
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM messages WHERE mailbox_id = ? AND raw_sha256 = ?`, mailboxID, rawSHA256).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("has message: %w", err)
	}
	return true, nil
}

// SaveMessage stores a message with its attachments and links in one
// transaction. When the mailbox already holds the same raw bytes it only
// updates the message's location (UIDVALIDITY, UID) and returns the
// existing id with created false.
func (s *Store) SaveMessage(ctx context.Context, m *sinks.Message) (id int64, created bool, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT id FROM messages WHERE mailbox_id = ? AND raw_sha256 = ?`, m.MailboxID, m.RawSHA256).Scan(&id)
		if err == nil {
			_, err = tx.ExecContext(ctx, `UPDATE messages SET uid_validity = ?, uid = ? WHERE id = ?`, int64(m.UIDValidity), int64(m.UID), id)
			return err
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		res, err := tx.ExecContext(ctx, `
			INSERT INTO messages (campaign_id, mailbox_id, uid_validity, uid, raw_object, raw_sha256, raw_size,
				internal_date, message_id, subject, from_addr, to_addrs, cc_addrs, date_header, class,
				unit, unit_by, late, findings, analysis, stored_at)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			m.CampaignID, m.MailboxID, int64(m.UIDValidity), int64(m.UID), m.RawObject, m.RawSHA256, m.RawSize,
			m.InternalDate.UnixNano(), m.MessageID, m.Subject, m.From, jsonList(m.To), jsonList(m.Cc), nanos(m.Date), m.Class,
			m.Unit, m.UnitBy, m.Late, jsonOr(m.Findings, "[]"), jsonOrNil(m.Analysis), time.Now().UnixNano())
		if err != nil {
			return err
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		created = true
		for _, a := range m.Attachments {
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO attachments (message_id, idx, parent_idx, name, content_type, kind, size, sha256, details, findings)
				VALUES (?,?,?,?,?,?,?,?,?,?)`,
				id, a.Index, a.Parent, a.Name, a.ContentType, a.Kind, a.Size, a.SHA256, jsonOrNil(a.Details), jsonOr(a.Findings, "[]")); err != nil {
				return err
			}
		}
		for i, l := range m.Links {
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO links (message_id, idx, provider, url, name, size, expires) VALUES (?,?,?,?,?,?,?)`,
				id, i, l.Provider, l.URL, l.Name, l.Size, l.Expires); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, false, fmt.Errorf("save message: %w", err)
	}
	return id, created, nil
}

// Messages returns a campaign's messages (all campaigns when campaignID is
// ""), with attachments and links, in receipt order.
func (s *Store) Messages(ctx context.Context, campaignID string) ([]sinks.Message, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT id, campaign_id, mailbox_id, uid_validity, uid, raw_object, raw_sha256, raw_size, internal_date,
			message_id, subject, from_addr, to_addrs, cc_addrs, date_header, class, unit, unit_by, late,
			findings, analysis, stored_at
		FROM messages WHERE ? = '' OR campaign_id = ? ORDER BY internal_date, id`, campaignID, campaignID)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	var out []sinks.Message
	byID := map[int64]int{}
	for rows.Next() {
		var m sinks.Message
		var uv, uid, internal, stored int64
		var to, cc, findings string
		var analysis sql.NullString
		var date sql.NullInt64
		if err := rows.Scan(&m.ID, &m.CampaignID, &m.MailboxID, &uv, &uid, &m.RawObject, &m.RawSHA256, &m.RawSize,
			&internal, &m.MessageID, &m.Subject, &m.From, &to, &cc, &date, &m.Class, &m.Unit, &m.UnitBy,
			&m.Late, &findings, &analysis, &stored); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list messages: %w", err)
		}
		m.UIDValidity, m.UID = uint32(uv), uint32(uid)
		m.InternalDate, m.StoredAt, m.Date = time.Unix(0, internal), time.Unix(0, stored), fromNanos(date)
		_ = json.Unmarshal([]byte(to), &m.To)
		_ = json.Unmarshal([]byte(cc), &m.Cc)
		m.Findings = json.RawMessage(findings)
		if analysis.Valid {
			m.Analysis = json.RawMessage(analysis.String)
		}
		byID[m.ID] = len(out)
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	arows, err := s.db.QueryContext(ctx, `
		SELECT a.message_id, a.idx, a.parent_idx, a.name, a.content_type, a.kind, a.size, a.sha256, a.details, a.findings
		FROM attachments a JOIN messages m ON m.id = a.message_id
		WHERE ? = '' OR m.campaign_id = ? ORDER BY a.message_id, a.idx`, campaignID, campaignID)
	if err != nil {
		return nil, fmt.Errorf("list attachments: %w", err)
	}
	for arows.Next() {
		var mid int64
		var a sinks.Attachment
		var details sql.NullString
		var findings string
		if err := arows.Scan(&mid, &a.Index, &a.Parent, &a.Name, &a.ContentType, &a.Kind, &a.Size, &a.SHA256, &details, &findings); err != nil {
			arows.Close()
			return nil, fmt.Errorf("list attachments: %w", err)
		}
		if details.Valid {
			a.Details = json.RawMessage(details.String)
		}
		a.Findings = json.RawMessage(findings)
		if i, ok := byID[mid]; ok {
			out[i].Attachments = append(out[i].Attachments, a)
		}
	}
	arows.Close()
	if err := arows.Err(); err != nil {
		return nil, fmt.Errorf("list attachments: %w", err)
	}
	lrows, err := s.db.QueryContext(ctx, `
		SELECT l.message_id, l.provider, l.url, l.name, l.size, l.expires
		FROM links l JOIN messages m ON m.id = l.message_id
		WHERE ? = '' OR m.campaign_id = ? ORDER BY l.message_id, l.idx`, campaignID, campaignID)
	if err != nil {
		return nil, fmt.Errorf("list links: %w", err)
	}
	defer lrows.Close()
	for lrows.Next() {
		var mid int64
		var l sinks.Link
		if err := lrows.Scan(&mid, &l.Provider, &l.URL, &l.Name, &l.Size, &l.Expires); err != nil {
			return nil, fmt.Errorf("list links: %w", err)
		}
		if i, ok := byID[mid]; ok {
			out[i].Links = append(out[i].Links, l)
		}
	}
	if err := lrows.Err(); err != nil {
		return nil, fmt.Errorf("list links: %w", err)
	}
	return out, nil
}

// RecordDeadLetter stores a dead letter; recording the same raw object again
// updates the error and attempt count.
func (s *Store) RecordDeadLetter(ctx context.Context, d sinks.DeadLetter) error {
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO dead_letters (campaign_id, mailbox_id, raw_object, uid_validity, uid, error, attempts, failed_at)
		VALUES (?,?,?,?,?,?,?,?)
		ON CONFLICT (raw_object) DO UPDATE SET error = excluded.error, attempts = excluded.attempts, failed_at = excluded.failed_at`,
		d.CampaignID, d.MailboxID, d.RawObject, int64(d.UIDValidity), int64(d.UID), d.Error, d.Attempts, d.FailedAt.UnixNano())
	if err != nil {
		return fmt.Errorf("record dead letter: %w", err)
	}
	return nil
}

// DeadLetters lists dead letters, newest first.
func (s *Store) DeadLetters(ctx context.Context) ([]sinks.DeadLetter, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT id, campaign_id, mailbox_id, raw_object, uid_validity, uid, error, attempts, failed_at
		FROM dead_letters ORDER BY failed_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list dead letters: %w", err)
	}
	defer rows.Close()
	var out []sinks.DeadLetter
	for rows.Next() {
		var d sinks.DeadLetter
		var uv, uid, at int64
		if err := rows.Scan(&d.ID, &d.CampaignID, &d.MailboxID, &d.RawObject, &uv, &uid, &d.Error, &d.Attempts, &at); err != nil {
			return nil, fmt.Errorf("list dead letters: %w", err)
		}
		d.UIDValidity, d.UID, d.FailedAt = uint32(uv), uint32(uid), time.Unix(0, at)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list dead letters: %w", err)
	}
	return out, nil
}

// CampaignCounts sums up each campaign's messages and dead letters.
func (s *Store) CampaignCounts(ctx context.Context) ([]sinks.CampaignCount, error) {
	rows, err := s.db.QueryContext(ctx, `
		WITH ids AS (SELECT campaign_id FROM messages UNION SELECT campaign_id FROM dead_letters)
		SELECT ids.campaign_id,
			(SELECT count(*) FROM messages m WHERE m.campaign_id = ids.campaign_id),
			(SELECT count(*) FROM messages m WHERE m.campaign_id = ids.campaign_id AND m.class = 'submission'),
			(SELECT count(DISTINCT unit) FROM messages m WHERE m.campaign_id = ids.campaign_id AND m.class = 'submission' AND m.unit <> ''),
			(SELECT count(*) FROM messages m WHERE m.campaign_id = ids.campaign_id AND m.class = 'submission' AND m.late),
			(SELECT count(*) FROM dead_letters d WHERE d.campaign_id = ids.campaign_id)
		FROM ids ORDER BY ids.campaign_id`)
	if err != nil {
		return nil, fmt.Errorf("campaign counts: %w", err)
	}
	defer rows.Close()
	var out []sinks.CampaignCount
	for rows.Next() {
		var c sinks.CampaignCount
		if err := rows.Scan(&c.CampaignID, &c.Messages, &c.Submissions, &c.Units, &c.Late, &c.DeadLetters); err != nil {
			return nil, fmt.Errorf("campaign counts: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("campaign counts: %w", err)
	}
	return out, nil
}

// PendingPostProcess lists up to limit stored messages of the mailbox whose
// mailbox action has not run yet.
func (s *Store) PendingPostProcess(ctx context.Context, mailboxID string, limit int) ([]sinks.PostProcessItem, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT id, uid_validity, uid FROM messages WHERE mailbox_id = ? AND post_processed = 0 ORDER BY id LIMIT ?`, mailboxID, limit)
	if err != nil {
		return nil, fmt.Errorf("pending post-process: %w", err)
	}
	defer rows.Close()
	var out []sinks.PostProcessItem
	for rows.Next() {
		var it sinks.PostProcessItem
		var uv, uid int64
		if err := rows.Scan(&it.MessageID, &uv, &uid); err != nil {
			return nil, fmt.Errorf("pending post-process: %w", err)
		}
		it.UIDValidity, it.UID = uint32(uv), uint32(uid)
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pending post-process: %w", err)
	}
	return out, nil
}

// MarkPostProcessed records that the mailbox action ran for these messages.
func (s *Store) MarkPostProcessed(ctx context.Context, ids []int64) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE messages SET post_processed = 1 WHERE id = ?`, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark post-processed: %w", err)
	}
	return nil
}

func nanos(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixNano(), Valid: true}
}

func fromNanos(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64)
}

func jsonList(l []string) string {
	if l == nil {
		l = []string{}
	}
	b, _ := json.Marshal(l)
	return string(b)
}

func jsonOr(b json.RawMessage, def string) string {
	if len(b) == 0 {
		return def
	}
	return string(b)
}

func jsonOrNil(b json.RawMessage) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}
