package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/shoubao/shoubao/sinks"
)

const jobColumns = `id, campaign_id, kind, job_key, mailbox_id, recipient, state, reason, attempts, next_at, lease_until,
	subject, body, message_id, created_at, done_at`

var (
	qInsertJob = q(`
		INSERT INTO outbox (campaign_id, kind, job_key, mailbox_id, recipient, state, reason, attempts, next_at, created_at, done_at)
		VALUES (?,?,?,?,?,?,?,0,?,?,?)
		ON CONFLICT (campaign_id, kind, job_key) DO NOTHING`)
	// A claim re-checks the state in its own WHERE: of two senders racing
	// for a row, the second finds it claimed and skips it.
	qClaimJobs = q(`
		UPDATE outbox SET state = 'sending', lease_until = ?, attempts = attempts + 1
		WHERE id IN (
			SELECT id FROM outbox
			WHERE (state = 'pending' AND next_at <= ?) OR (state = 'sending' AND lease_until < ?)
			ORDER BY next_at, id LIMIT ?)
		AND ((state = 'pending' AND next_at <= ?) OR (state = 'sending' AND lease_until < ?))
		RETURNING ` + jobColumns)
	qFinishJob = q(`
		UPDATE outbox SET state = ?, reason = ?, subject = ?, body = ?, message_id = ?, done_at = ?, lease_until = NULL
		WHERE id = ?`)
	qRetryJob = q(`
		UPDATE outbox SET state = 'pending', reason = ?, next_at = ?, lease_until = NULL, subject = ?, body = ?, message_id = ?
		WHERE id = ?`)
	qJobs           = q(`SELECT ` + jobColumns + ` FROM outbox WHERE campaign_id = ? ORDER BY id`)
	qSentTo         = q(`SELECT count(*) FROM outbox WHERE recipient = ? AND state = 'sent' AND done_at >= ?`)
	qUnfinishedJobs = q(`SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')`)
	qExtendJob      = q(`UPDATE outbox SET lease_until = ? WHERE id = ? AND state = 'sending'`)
)

func (s *Store) insertJob(ctx context.Context, tx handle, j sinks.Job) error {
	_, err := s.insertJobResult(ctx, tx, j)
	return err
}

func (s *Store) insertJobResult(ctx context.Context, tx handle, j sinks.Job) (sql.Result, error) {
	now := s.stamp()
	next := j.NextAt
	if next.IsZero() {
		next = now
	}
	var done any
	if j.State != sinks.JobPending {
		done = s.d.time(now)
	}
	return tx.exec(ctx, qInsertJob, j.CampaignID, j.Kind, j.Key, j.MailboxID, j.Recipient, j.State, j.Reason,
		s.d.time(next), s.d.time(now), done)
}

func scanJob(r *sql.Rows, j *sinks.Job) error {
	return r.Scan(&j.ID, &j.CampaignID, &j.Kind, &j.Key, &j.MailboxID, &j.Recipient, &j.State, &j.Reason, &j.Attempts,
		(*timeCol)(&j.NextAt), (*timeCol)(&j.LeaseUntil), &j.Subject, &j.Body, &j.MessageID, (*timeCol)(&j.CreatedAt), (*timeCol)(&j.DoneAt))
}

// ClaimJobs claims up to limit jobs that are due, or whose claim lapsed
// (a sender that died), for lease; each claim counts an attempt. Several
// senders may claim at once: each job goes to one of them.
func (s *Store) ClaimJobs(ctx context.Context, limit int, lease time.Duration) ([]sinks.Job, error) {
	now := s.stamp()
	t := s.d.time(now)
	rows, err := s.query(ctx, qClaimJobs, s.d.time(now.Add(lease)), t, t, limit, t, t)
	out, err := collect(rows, err, scanJob)
	return out, fail("claim jobs", err)
}

// ExtendJobs keeps the claim on jobs still being sent for lease from now.
func (s *Store) ExtendJobs(ctx context.Context, ids []int64, lease time.Duration) error {
	until := s.d.time(s.stamp().Add(lease))
	for _, id := range ids {
		if _, err := s.exec(ctx, qExtendJob, until, id); err != nil {
			return fail("extend jobs", err)
		}
	}
	return nil
}

// FinishJob records a job's outcome: sent, previewed, failed or skipped,
// with the mail as composed.
func (s *Store) FinishJob(ctx context.Context, j sinks.Job) error {
	_, err := s.exec(ctx, qFinishJob, j.State, j.Reason, j.Subject, j.Body, j.MessageID, s.d.time(s.stamp()), j.ID)
	return fail("finish job", err)
}

// RetryJob puts a claimed job back, due again at next, with why.
func (s *Store) RetryJob(ctx context.Context, j sinks.Job, next time.Time) error {
	_, err := s.exec(ctx, qRetryJob, j.Reason, s.d.time(next), j.Subject, j.Body, j.MessageID, j.ID)
	return fail("retry job", err)
}

// Jobs lists a campaign's jobs in the order they were decided.
func (s *Store) Jobs(ctx context.Context, campaignID string) ([]sinks.Job, error) {
	rows, err := s.query(ctx, qJobs, campaignID)
	out, err := collect(rows, err, scanJob)
	return out, fail("list jobs", err)
}

// SentTo counts the mail sent to recipient since a time (the
// per-recipient limit).
func (s *Store) SentTo(ctx context.Context, recipient string, since time.Time) (int, error) {
	var n int
	err := s.queryRow(ctx, qSentTo, recipient, s.d.time(since)).Scan(&n)
	return n, fail("count sent", err)
}

// UnfinishedJobs counts the jobs waiting for or held by a sender.
func (s *Store) UnfinishedJobs(ctx context.Context) (int, error) {
	var n int
	err := s.queryRow(ctx, qUnfinishedJobs).Scan(&n)
	return n, fail("count unfinished jobs", err)
}

// AddJobs inserts jobs decided outside a message's transaction (digests,
// reminders) in one transaction; a job whose (campaign, kind, key) exists
// already is left as it is. It returns how many were new.
func (s *Store) AddJobs(ctx context.Context, jobs []sinks.Job) (int, error) {
	n := 0
	err := s.inTx(ctx, func(tx handle) error {
		for _, j := range jobs {
			res, err := s.insertJobResult(ctx, tx, j)
			if err != nil {
				return err
			}
			if k, err := res.RowsAffected(); err == nil {
				n += int(k)
			}
		}
		return nil
	})
	return n, fail("add jobs", err)
}
