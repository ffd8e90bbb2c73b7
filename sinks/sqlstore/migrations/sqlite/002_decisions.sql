-- SQLite form of migrations/postgres/002_decisions.sql: times are Unix
-- nanoseconds.
CREATE TABLE decisions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id TEXT NOT NULL,
    kind        TEXT NOT NULL,
    message_key TEXT NOT NULL DEFAULT '',
    unit        TEXT NOT NULL DEFAULT '',
    code        TEXT NOT NULL DEFAULT '',
    file        TEXT NOT NULL DEFAULT '',
    address     TEXT NOT NULL DEFAULT '',
    until       INTEGER,
    decided_by  TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    decided_at  INTEGER NOT NULL
);
CREATE INDEX decisions_campaign ON decisions (campaign_id, id);
