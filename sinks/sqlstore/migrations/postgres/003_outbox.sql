-- Outgoing mail decided by shoubao (receipts…): one row per (campaign,
-- kind, key), inserted in the transaction that stored its cause.
CREATE TABLE outbox (
    id          BIGSERIAL PRIMARY KEY,
    campaign_id TEXT NOT NULL,
    kind        TEXT NOT NULL,
    job_key     TEXT NOT NULL,
    mailbox_id  TEXT NOT NULL DEFAULT '',
    recipient   TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    attempts    INT NOT NULL DEFAULT 0,
    next_at     TIMESTAMPTZ NOT NULL,
    lease_until TIMESTAMPTZ,
    subject     TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL DEFAULT '',
    message_id  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    done_at     TIMESTAMPTZ,
    UNIQUE (campaign_id, kind, job_key)
);
CREATE INDEX outbox_due ON outbox (next_at) WHERE state IN ('pending', 'sending');
CREATE INDEX outbox_recipient ON outbox (recipient, done_at) WHERE state = 'sent';
