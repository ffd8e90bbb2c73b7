package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/shoubao/shoubao/sinks"
)

var (
	qHasMessage = q(`SELECT 1 FROM messages WHERE mailbox_id = ? AND raw_sha256 = ?`)
	// A row inserted is a message created — the one way "created" is
	// known, on both databases.
	qInsertMessage = qInsert(`
		INSERT INTO messages (campaign_id, mailbox_id, uid_validity, uid, raw_object, raw_sha256, raw_size,
			internal_date, message_id, subject, from_addr, to_addrs, cc_addrs, date_header, class,
			unit, unit_by, late, findings, analysis, stored_at)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT (mailbox_id, raw_sha256) DO NOTHING`)
	// A copy stored again moves to where it was found this time, but never
	// back to an older UIDVALIDITY (an event of the old epoch arriving late).
	qRelocateMessage = q(`
		UPDATE messages SET
			uid = CASE WHEN uid_validity <= ? THEN ? ELSE uid END,
			uid_validity = CASE WHEN uid_validity <= ? THEN ? ELSE uid_validity END
		WHERE mailbox_id = ? AND raw_sha256 = ? RETURNING id`)
	qInsertAttachment = q(`
		INSERT INTO attachments (message_id, idx, parent_idx, name, content_type, kind, size, sha256, details, findings)
		VALUES (?,?,?,?,?,?,?,?,?,?)`)
	qInsertLink = q(`INSERT INTO links (message_id, idx, provider, url, name, size, expires) VALUES (?,?,?,?,?,?,?)`)

	// campaign_id = '' lists every campaign.
	qMessages = q(`
		SELECT id, campaign_id, mailbox_id, uid_validity, uid, raw_object, raw_sha256, raw_size, internal_date,
			message_id, subject, from_addr, to_addrs, cc_addrs, date_header, class, unit, unit_by, late,
			findings, analysis, stored_at
		FROM messages WHERE ? = '' OR campaign_id = ? ORDER BY internal_date, id`)
	qAttachments = q(`
		SELECT a.message_id, a.idx, a.parent_idx, a.name, a.content_type, a.kind, a.size, a.sha256, a.details, a.findings
		FROM attachments a JOIN messages m ON m.id = a.message_id
		WHERE ? = '' OR m.campaign_id = ? ORDER BY a.message_id, a.idx`)
	qLinks = q(`
		SELECT l.message_id, l.provider, l.url, l.name, l.size, l.expires
		FROM links l JOIN messages m ON m.id = l.message_id
		WHERE ? = '' OR m.campaign_id = ? ORDER BY l.message_id, l.idx`)
)

// HasMessage reports whether the mailbox already holds a message with these
// raw bytes.
func (s *Store) HasMessage(ctx context.Context, mailboxID, rawSHA256 string) (bool, error) {
	var one int
	err := s.queryRow(ctx, qHasMessage, mailboxID, rawSHA256).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fail("has message", err)
	}
	return true, nil
}

// SaveMessage stores a message with its attachments and links in one
// transaction, stamped with the store's clock (StoredAt is ignored). When
// the mailbox already holds the same raw bytes it only updates the
// message's location (UIDVALIDITY, UID) and returns the existing id with
// created false.
func (s *Store) SaveMessage(ctx context.Context, m *sinks.Message) (id int64, created bool, err error) {
	err = s.inTx(ctx, func(tx handle) error {
		var err error
		id, created, err = tx.insert(ctx, qInsertMessage,
			m.CampaignID, m.MailboxID, int64(m.UIDValidity), int64(m.UID), m.RawObject, m.RawSHA256, m.RawSize,
			s.d.time(m.InternalDate), m.MessageID, m.Subject, m.From, listText(m.To), listText(m.Cc), s.d.time(m.Date), m.Class,
			m.Unit, m.UnitBy, m.Late, jsonText(m.Findings, "[]"), jsonText(m.Analysis, nil), s.d.time(s.stamp()))
		if err != nil {
			return err
		}
		if !created {
			// Already stored (on PostgreSQL, possibly by a transaction
			// that committed while this insert waited for it).
			return tx.queryRow(ctx, qRelocateMessage, int64(m.UIDValidity), int64(m.UID), int64(m.UIDValidity), int64(m.UIDValidity),
				m.MailboxID, m.RawSHA256).Scan(&id)
		}
		if err := tx.insertParts(ctx, id, m); err != nil {
			return err
		}
		if err := s.markFirstCopy(ctx, tx, id, m); err != nil {
			return err
		}
		for _, j := range m.Jobs {
			if err := s.insertJob(ctx, tx, j); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, false, fail("save message", err)
	}
	return id, created, nil
}

// insertParts inserts a stored message's attachments and links.
func (tx handle) insertParts(ctx context.Context, id int64, m *sinks.Message) error {
	for _, a := range m.Attachments {
		if _, err := tx.exec(ctx, qInsertAttachment, id, a.Index, a.Parent, a.Name, a.ContentType, a.Kind, a.Size, a.SHA256,
			jsonText(a.Details, nil), jsonText(a.Findings, "[]")); err != nil {
			return err
		}
	}
	for i, l := range m.Links {
		if _, err := tx.exec(ctx, qInsertLink, id, i, l.Provider, l.URL, l.Name, l.Size, l.Expires); err != nil {
			return err
		}
	}
	return nil
}

var (
	qReplaceFacts = q(`
		UPDATE messages SET message_id = ?, subject = ?, from_addr = ?, to_addrs = ?, cc_addrs = ?, date_header = ?,
			class = ?, unit = '', unit_by = '', late = ?, findings = ?, analysis = ?
		WHERE id = ?`)
	qDeleteAttachments = q(`DELETE FROM attachments WHERE message_id = ?`)
	qDeleteLinks       = q(`DELETE FROM links WHERE message_id = ?`)
)

// ReplaceFacts replaces what was read from stored message id (header
// fields, class, findings, analysis, attachments, links) with m's, in one
// transaction: `shoubao reprocess` after the parsers improved. Where the
// message came from (mailbox, UIDs, raw object, arrival) is kept; the
// judgments older versions stored (unit, lateness) are cleared. It returns
// sinks.ErrNotFound when there is no such message.
func (s *Store) ReplaceFacts(ctx context.Context, id int64, m *sinks.Message) error {
	err := s.inTx(ctx, func(tx handle) error {
		res, err := tx.exec(ctx, qReplaceFacts, m.MessageID, m.Subject, m.From, listText(m.To), listText(m.Cc), s.d.time(m.Date),
			m.Class, false, jsonText(m.Findings, "[]"), jsonText(m.Analysis, nil), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			return sinks.ErrNotFound
		}
		if _, err := tx.exec(ctx, qDeleteAttachments, id); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, qDeleteLinks, id); err != nil {
			return err
		}
		return tx.insertParts(ctx, id, m)
	})
	return fail("replace facts", err)
}

// The first copy of each message (the rows of a campaign sharing a
// Message-ID, or raw bytes without one) is marked first_copy when stored
// (SaveMessage); Facts reads its facts and files, and of the other copies
// only where and when they arrived.
var (
	qFirstAttachments = q(`
		SELECT a.message_id, a.idx, a.parent_idx, a.name, a.content_type, a.kind, a.size, a.sha256, a.details, a.findings
		FROM attachments a JOIN messages m ON m.id = a.message_id
		WHERE (? = '' OR m.campaign_id = ?) AND m.first_copy ORDER BY a.message_id, a.idx`)
	qFirstLinks = q(`
		SELECT l.message_id, l.provider, l.url, l.name, l.size, l.expires
		FROM links l JOIN messages m ON m.id = l.message_id
		WHERE (? = '' OR m.campaign_id = ?) AND m.first_copy ORDER BY l.message_id, l.idx`)
	// Of the inspection tree, only its message part (the header's facts):
	// the tree repeats every file's analysis.
	qFactsFirst = query{
		sqlite: strings.Replace(strings.Replace(qMessages.sqlite, "findings, analysis,",
			"findings, json_object('message', json_extract(analysis, '$.message')),", 1),
			"WHERE ? = '' OR campaign_id = ?", "WHERE (? = '' OR campaign_id = ?) AND first_copy", 1),
		postgres: rebindDollar(strings.Replace(strings.Replace(qMessages.sqlite, "findings, analysis,",
			"findings, jsonb_build_object('message', analysis->'message'),", 1),
			"WHERE ? = '' OR campaign_id = ?", "WHERE (? = '' OR campaign_id = ?) AND first_copy", 1)),
	}
	qFactsCopies = q(`
		SELECT id, campaign_id, mailbox_id, uid_validity, uid, raw_sha256, message_id, internal_date
		FROM messages WHERE (? = '' OR campaign_id = ?) AND NOT first_copy`)
	// The other first copy of the same message, if any.
	// Two queries, not one with OR: each uses its index (an OR of the two
	// scanned the campaign's rows, once per message stored).
	qFirstCopyByID = q(`
		SELECT id, internal_date FROM messages
		WHERE campaign_id = ? AND message_id = ? AND id <> ? AND first_copy`)
	qFirstCopyBySHA = q(`
		SELECT id, internal_date FROM messages
		WHERE campaign_id = ? AND raw_sha256 = ? AND message_id = '' AND id <> ? AND first_copy`)
	qNotFirst = q(`UPDATE messages SET first_copy = FALSE WHERE id = ?`)
)

// markFirstCopy keeps one first copy per message: of the new row id and an
// earlier-stored copy, the one received first (ties: the lower id).
func (s *Store) markFirstCopy(ctx context.Context, tx handle, id int64, m *sinks.Message) error {
	var other int64
	var at time.Time
	query, key := qFirstCopyByID, m.MessageID
	if key == "" {
		query, key = qFirstCopyBySHA, m.RawSHA256
	}
	err := tx.queryRow(ctx, query, m.CampaignID, key, id).Scan(&other, (*timeCol)(&at))
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	mine := m.InternalDate.Truncate(time.Microsecond)
	later := id
	if mine.Before(at) || (mine.Equal(at) && id < other) {
		later = other
	}
	_, err = tx.exec(ctx, qNotFirst, later)
	return err
}

// Messages returns a campaign's messages (all campaigns when campaignID is
// ""), with attachments and links, in receipt order.
func (s *Store) Messages(ctx context.Context, campaignID string) ([]sinks.Message, error) {
	return s.messages(ctx, campaignID, qMessages, qAttachments, qLinks)
}

// Facts is Messages for readers that treat the copies of a message as one
// message (pipeline/rules): the copy received first of each message
// carries its facts, attachments and links (Analysis only the tree's
// "message" part); the other copies carry only where and when they
// arrived (id, campaign, mailbox, UIDs, raw SHA-256, Message-ID, arrival). It reads about half as much as Messages when units send to
// two mailboxes.
func (s *Store) Facts(ctx context.Context, campaignID string) ([]sinks.Message, error) {
	rows, err := s.query(ctx, qFactsFirst, campaignID, campaignID)
	out, err := collect(rows, err, scanMessage)
	if err != nil {
		return nil, fail("list facts", err)
	}
	rows, err = s.query(ctx, qFactsCopies, campaignID, campaignID)
	copies, err := collect(rows, err, func(r *sql.Rows, m *sinks.Message) error {
		return r.Scan(&m.ID, &m.CampaignID, &m.MailboxID, (*u32Col)(&m.UIDValidity), (*u32Col)(&m.UID), &m.RawSHA256,
			&m.MessageID, (*timeCol)(&m.InternalDate))
	})
	if err != nil {
		return nil, fail("list facts", err)
	}
	out = append(out, copies...)
	sort.Slice(out, func(i, j int) bool {
		if !out[i].InternalDate.Equal(out[j].InternalDate) {
			return out[i].InternalDate.Before(out[j].InternalDate)
		}
		return out[i].ID < out[j].ID
	})
	return s.attach(ctx, out, campaignID, qFirstAttachments, qFirstLinks)
}

func scanMessage(r *sql.Rows, m *sinks.Message) error {
	return r.Scan(&m.ID, &m.CampaignID, &m.MailboxID, (*u32Col)(&m.UIDValidity), (*u32Col)(&m.UID), &m.RawObject, &m.RawSHA256,
		&m.RawSize, (*timeCol)(&m.InternalDate), &m.MessageID, &m.Subject, &m.From, (*jsonList)(&m.To), (*jsonList)(&m.Cc),
		(*timeCol)(&m.Date), &m.Class, &m.Unit, &m.UnitBy, &m.Late, (*jsonCol)(&m.Findings), (*jsonCol)(&m.Analysis),
		(*timeCol)(&m.StoredAt))
}

func (s *Store) messages(ctx context.Context, campaignID string, qMsg, qAtt, qLnk query) ([]sinks.Message, error) {
	rows, err := s.query(ctx, qMsg, campaignID, campaignID)
	out, err := collect(rows, err, scanMessage)
	if err != nil {
		return nil, fail("list messages", err)
	}
	return s.attach(ctx, out, campaignID, qAtt, qLnk)
}

// attach reads the attachments and links of the messages in out.
func (s *Store) attach(ctx context.Context, out []sinks.Message, campaignID string, qAtt, qLnk query) ([]sinks.Message, error) {
	if len(out) == 0 {
		return out, nil
	}
	byID := make(map[int64]*sinks.Message, len(out))
	for i := range out {
		byID[out[i].ID] = &out[i]
	}
	rows, err := s.query(ctx, qAtt, campaignID, campaignID)
	err = each(rows, err, func(r *sql.Rows) error {
		var mid int64
		var a sinks.Attachment
		if err := r.Scan(&mid, &a.Index, &a.Parent, &a.Name, &a.ContentType, &a.Kind, &a.Size, &a.SHA256,
			(*jsonCol)(&a.Details), (*jsonCol)(&a.Findings)); err != nil {
			return err
		}
		if m := byID[mid]; m != nil {
			m.Attachments = append(m.Attachments, a)
		}
		return nil
	})
	if err != nil {
		return nil, fail("list attachments", err)
	}
	rows, err = s.query(ctx, qLnk, campaignID, campaignID)
	err = each(rows, err, func(r *sql.Rows) error {
		var mid int64
		var l sinks.Link
		if err := r.Scan(&mid, &l.Provider, &l.URL, &l.Name, &l.Size, &l.Expires); err != nil {
			return err
		}
		if m := byID[mid]; m != nil {
			m.Links = append(m.Links, l)
		}
		return nil
	})
	if err != nil {
		return nil, fail("list links", err)
	}
	return out, nil
}
