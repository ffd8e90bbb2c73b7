// Package postgres stores submissions in PostgreSQL through pgx. Its schema
// is created and upgraded by numbered, embedded SQL migrations applied when
// the store opens.
package postgres

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shoubao/shoubao/sinks"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a PostgreSQL-backed store. It is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
}

// Open connects to the database at url (postgres://…) and applies pending
// migrations.
func Open(ctx context.Context, url string) (*Store, error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("postgres open: %w", err)
	}
	s := &Store{pool: pool}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Close releases the connection pool.
func (s *Store) Close() { s.pool.Close() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres ping: %w", err)
	}
	return nil
}

// migrate applies every embedded migration newer than the schema's version,
// each in its own transaction, serialised across processes by an advisory
// lock.
func (s *Store) migrate(ctx context.Context) error {
	files, err := migrationFiles()
	if err != nil {
		return err
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(7352901)`); err != nil {
		return fmt.Errorf("postgres migrate: lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(7352901)`) //nolint:errcheck
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("postgres migrate: %w", err)
	}
	var current int
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("postgres migrate: %w", err)
	}
	for _, m := range files {
		if m.version <= current {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, m.version)
			return err
		})
		if err != nil {
			return fmt.Errorf("postgres migrate: apply %s: %w", m.name, err)
		}
	}
	return nil
}

type migration struct {
	version int
	name    string
	sql     string
}

func migrationFiles() ([]migration, error) {
	entries, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		base := strings.TrimPrefix(e, "migrations/")
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with its number", base)
		}
		b, err := migrations.ReadFile(e)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// LoadCheckpoint returns the mailbox's checkpoint, or sinks.ErrNotFound.
func (s *Store) LoadCheckpoint(ctx context.Context, mailboxID string) (sinks.Checkpoint, error) {
	rows, err := s.pool.Query(ctx, checkpointSelect+` WHERE mailbox_id = $1`, mailboxID)
	if err != nil {
		return sinks.Checkpoint{}, fmt.Errorf("load checkpoint: %w", err)
	}
	cps, err := scanCheckpoints(rows)
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
	_, err := s.pool.Exec(ctx, `
		INSERT INTO mailbox_state (mailbox_id, campaign_id, address, uid_validity, last_uid, last_sync, last_error, last_error_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (mailbox_id) DO UPDATE SET campaign_id = $2, address = $3, uid_validity = $4,
			last_uid = $5, last_sync = $6, last_error = $7, last_error_at = $8`,
		cp.MailboxID, cp.CampaignID, cp.Address, int64(cp.UIDValidity), int64(cp.LastUID),
		nullTime(cp.LastSync), cp.LastError, nullTime(cp.LastErrorAt))
	if err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	return nil
}

// Checkpoints lists every mailbox's checkpoint, ordered by mailbox id.
func (s *Store) Checkpoints(ctx context.Context) ([]sinks.Checkpoint, error) {
	rows, err := s.pool.Query(ctx, checkpointSelect+` ORDER BY mailbox_id`)
	if err != nil {
		return nil, fmt.Errorf("list checkpoints: %w", err)
	}
	cps, err := scanCheckpoints(rows)
	if err != nil {
		return nil, fmt.Errorf("list checkpoints: %w", err)
	}
	return cps, nil
}

const checkpointSelect = `SELECT mailbox_id, campaign_id, address, uid_validity, last_uid, last_sync, last_error, last_error_at FROM mailbox_state`

func scanCheckpoints(rows pgx.Rows) ([]sinks.Checkpoint, error) {
	defer rows.Close()
	var out []sinks.Checkpoint
	for rows.Next() {
		var cp sinks.Checkpoint
		var uv, lu int64
		var ls, le *time.Time
		if err := rows.Scan(&cp.MailboxID, &cp.CampaignID, &cp.Address, &uv, &lu, &ls, &cp.LastError, &le); err != nil {
			return nil, err
		}
		cp.UIDValidity, cp.LastUID = uint32(uv), uint32(lu)
		cp.LastSync, cp.LastErrorAt = derefTime(ls), derefTime(le)
		out = append(out, cp)
	}
	return out, rows.Err()
}

// HasMessage reports whether the mailbox already holds a message with these
// raw bytes.
func (s *Store) HasMessage(ctx context.Context, mailboxID, rawSHA256 string) (bool, error) {
	var one int
	err := s.pool.QueryRow(ctx, `SELECT 1 FROM messages WHERE mailbox_id = $1 AND raw_sha256 = $2`, mailboxID, rawSHA256).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
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
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// xmax = 0 tells an inserted row from an updated one.
		err := tx.QueryRow(ctx, `
			INSERT INTO messages (campaign_id, mailbox_id, uid_validity, uid, raw_object, raw_sha256, raw_size,
				internal_date, message_id, subject, from_addr, to_addrs, cc_addrs, date_header, class,
				unit, unit_by, late, findings, analysis)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20)
			ON CONFLICT (mailbox_id, raw_sha256) DO UPDATE SET uid_validity = excluded.uid_validity, uid = excluded.uid
			RETURNING id, (xmax = 0)`,
			m.CampaignID, m.MailboxID, int64(m.UIDValidity), int64(m.UID), m.RawObject, m.RawSHA256, m.RawSize,
			m.InternalDate, m.MessageID, m.Subject, m.From, jsonList(m.To), jsonList(m.Cc), nullTime(m.Date), m.Class,
			m.Unit, m.UnitBy, m.Late, jsonOr(m.Findings, "[]"), jsonOrNil(m.Analysis),
		).Scan(&id, &created)
		if err != nil || !created {
			return err
		}
		for _, a := range m.Attachments {
			if _, err := tx.Exec(ctx, `
				INSERT INTO attachments (message_id, idx, parent_idx, name, content_type, kind, size, sha256, details, findings)
				VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
				id, a.Index, a.Parent, a.Name, a.ContentType, a.Kind, a.Size, a.SHA256, jsonOrNil(a.Details), jsonOr(a.Findings, "[]")); err != nil {
				return err
			}
		}
		for i, l := range m.Links {
			if _, err := tx.Exec(ctx, `
				INSERT INTO links (message_id, idx, provider, url, name, size, expires) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
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
	rows, err := s.pool.Query(ctx, `
		SELECT id, campaign_id, mailbox_id, uid_validity, uid, raw_object, raw_sha256, raw_size, internal_date,
			message_id, subject, from_addr, to_addrs, cc_addrs, date_header, class, unit, unit_by, late,
			findings, analysis, stored_at
		FROM messages WHERE $1 = '' OR campaign_id = $1 ORDER BY internal_date, id`, campaignID)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	var out []sinks.Message
	byID := map[int64]int{}
	for rows.Next() {
		var m sinks.Message
		var uv, uid int64
		var to, cc []byte
		var date *time.Time
		var analysis []byte
		if err := rows.Scan(&m.ID, &m.CampaignID, &m.MailboxID, &uv, &uid, &m.RawObject, &m.RawSHA256, &m.RawSize,
			&m.InternalDate, &m.MessageID, &m.Subject, &m.From, &to, &cc, &date, &m.Class, &m.Unit, &m.UnitBy,
			&m.Late, &m.Findings, &analysis, &m.StoredAt); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list messages: %w", err)
		}
		m.UIDValidity, m.UID, m.Date = uint32(uv), uint32(uid), derefTime(date)
		_ = json.Unmarshal(to, &m.To)
		_ = json.Unmarshal(cc, &m.Cc)
		if analysis != nil {
			m.Analysis = analysis
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
	arows, err := s.pool.Query(ctx, `
		SELECT a.message_id, a.idx, a.parent_idx, a.name, a.content_type, a.kind, a.size, a.sha256, a.details, a.findings
		FROM attachments a JOIN messages m ON m.id = a.message_id
		WHERE $1 = '' OR m.campaign_id = $1 ORDER BY a.message_id, a.idx`, campaignID)
	if err != nil {
		return nil, fmt.Errorf("list attachments: %w", err)
	}
	for arows.Next() {
		var mid int64
		var a sinks.Attachment
		var details []byte
		if err := arows.Scan(&mid, &a.Index, &a.Parent, &a.Name, &a.ContentType, &a.Kind, &a.Size, &a.SHA256, &details, &a.Findings); err != nil {
			arows.Close()
			return nil, fmt.Errorf("list attachments: %w", err)
		}
		if details != nil {
			a.Details = details
		}
		if i, ok := byID[mid]; ok {
			out[i].Attachments = append(out[i].Attachments, a)
		}
	}
	arows.Close()
	if err := arows.Err(); err != nil {
		return nil, fmt.Errorf("list attachments: %w", err)
	}
	lrows, err := s.pool.Query(ctx, `
		SELECT l.message_id, l.provider, l.url, l.name, l.size, l.expires
		FROM links l JOIN messages m ON m.id = l.message_id
		WHERE $1 = '' OR m.campaign_id = $1 ORDER BY l.message_id, l.idx`, campaignID)
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
	_, err := s.pool.Exec(ctx, `
		INSERT INTO dead_letters (campaign_id, mailbox_id, raw_object, uid_validity, uid, error, attempts, failed_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
		ON CONFLICT (raw_object) DO UPDATE SET error = excluded.error, attempts = excluded.attempts, failed_at = excluded.failed_at`,
		d.CampaignID, d.MailboxID, d.RawObject, int64(d.UIDValidity), int64(d.UID), d.Error, d.Attempts, d.FailedAt)
	if err != nil {
		return fmt.Errorf("record dead letter: %w", err)
	}
	return nil
}

// DeadLetters lists dead letters, newest first.
func (s *Store) DeadLetters(ctx context.Context) ([]sinks.DeadLetter, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, campaign_id, mailbox_id, raw_object, uid_validity, uid, error, attempts, failed_at
		FROM dead_letters ORDER BY failed_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list dead letters: %w", err)
	}
	defer rows.Close()
	var out []sinks.DeadLetter
	for rows.Next() {
		var d sinks.DeadLetter
		var uv, uid int64
		if err := rows.Scan(&d.ID, &d.CampaignID, &d.MailboxID, &d.RawObject, &uv, &uid, &d.Error, &d.Attempts, &d.FailedAt); err != nil {
			return nil, fmt.Errorf("list dead letters: %w", err)
		}
		d.UIDValidity, d.UID = uint32(uv), uint32(uid)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list dead letters: %w", err)
	}
	return out, nil
}

// CampaignCounts sums up each campaign's messages and dead letters.
func (s *Store) CampaignCounts(ctx context.Context) ([]sinks.CampaignCount, error) {
	rows, err := s.pool.Query(ctx, `
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
	rows, err := s.pool.Query(ctx, `
		SELECT id, uid_validity, uid FROM messages WHERE mailbox_id = $1 AND NOT post_processed ORDER BY id LIMIT $2`, mailboxID, limit)
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
	if _, err := s.pool.Exec(ctx, `UPDATE messages SET post_processed = true WHERE id = ANY($1)`, ids); err != nil {
		return fmt.Errorf("mark post-processed: %w", err)
	}
	return nil
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func jsonList(l []string) []byte {
	if l == nil {
		l = []string{}
	}
	b, _ := json.Marshal(l)
	return b
}

func jsonOr(b json.RawMessage, def string) []byte {
	if len(b) == 0 {
		return []byte(def)
	}
	return b
}

func jsonOrNil(b json.RawMessage) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}
