-- SQLite form of migrations/postgres/003_outbox.sql: times are Unix
-- nanoseconds.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id TEXT NOT NULL,
    kind        TEXT NOT NULL,
    job_key     TEXT NOT NULL,
    mailbox_id  TEXT NOT NULL DEFAULT '',
    recipient   TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    attempts    INT NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL,
    lease_until INTEGER,
    subject     TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL DEFAULT '',
    message_id  TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    done_at     INTEGER,
    UNIQUE (campaign_id, kind, job_key)
);
CREATE INDEX outbox_due ON outbox (next_at) WHERE state IN ('pending', 'sending');
CREATE INDEX outbox_recipient ON outbox (recipient, done_at) WHERE state = 'sent';
