-- Mailbox sync positions and health, one row per campaign mailbox.
CREATE TABLE mailbox_state (
    mailbox_id    TEXT PRIMARY KEY,
    campaign_id   TEXT NOT NULL,
    address       TEXT NOT NULL,
    uid_validity  BIGINT NOT NULL DEFAULT 0,
    last_uid      BIGINT NOT NULL DEFAULT 0,
    last_sync     TIMESTAMPTZ,
    last_error    TEXT NOT NULL DEFAULT '',
    last_error_at TIMESTAMPTZ
);

-- Stored messages. (mailbox_id, raw_sha256) makes storing idempotent: the
-- same bytes arriving again (redelivery, UIDVALIDITY reset) are one row.
CREATE TABLE messages (
    id             BIGSERIAL PRIMARY KEY,
    campaign_id    TEXT NOT NULL,
    mailbox_id     TEXT NOT NULL,
    uid_validity   BIGINT NOT NULL,
    uid            BIGINT NOT NULL,
    raw_object     TEXT NOT NULL,
    raw_sha256     TEXT NOT NULL,
    raw_size       BIGINT NOT NULL,
    internal_date  TIMESTAMPTZ NOT NULL,
    message_id     TEXT NOT NULL DEFAULT '',
    subject        TEXT NOT NULL DEFAULT '',
    from_addr      TEXT NOT NULL DEFAULT '',
    to_addrs       JSONB NOT NULL DEFAULT '[]',
    cc_addrs       JSONB NOT NULL DEFAULT '[]',
    date_header    TIMESTAMPTZ,
    class          TEXT NOT NULL,
    unit           TEXT NOT NULL DEFAULT '',
    unit_by        TEXT NOT NULL DEFAULT '',
    late           BOOLEAN NOT NULL DEFAULT false,
    findings       JSONB NOT NULL DEFAULT '[]',
    analysis       JSONB,
    stored_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    post_processed BOOLEAN NOT NULL DEFAULT false,
    UNIQUE (mailbox_id, raw_sha256)
);
CREATE INDEX messages_campaign ON messages (campaign_id, unit);
CREATE INDEX messages_post_process ON messages (mailbox_id) WHERE NOT post_processed;

-- Files found in messages: MIME parts, archive members, forwarded messages.
CREATE TABLE attachments (
    message_id   BIGINT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    idx          INT NOT NULL,
    parent_idx   INT NOT NULL,
    name         TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT '',
    kind         TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL DEFAULT '',
    details      JSONB,
    findings     JSONB NOT NULL DEFAULT '[]',
    PRIMARY KEY (message_id, idx)
);
CREATE INDEX attachments_sha256 ON attachments (sha256);

-- Large-attachment and cloud-drive links found in bodies.
CREATE TABLE links (
    message_id BIGINT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    idx        INT NOT NULL,
    provider   TEXT NOT NULL,
    url        TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    size       BIGINT NOT NULL DEFAULT 0,
    expires    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (message_id, idx)
);

-- Messages that kept failing; their raw bytes stay in the raw object store.
CREATE TABLE dead_letters (
    id           BIGSERIAL PRIMARY KEY,
    campaign_id  TEXT NOT NULL,
    mailbox_id   TEXT NOT NULL,
    raw_object   TEXT NOT NULL UNIQUE,
    uid_validity BIGINT NOT NULL,
    uid          BIGINT NOT NULL,
    error        TEXT NOT NULL,
    attempts     INT NOT NULL,
    failed_at    TIMESTAMPTZ NOT NULL
);
