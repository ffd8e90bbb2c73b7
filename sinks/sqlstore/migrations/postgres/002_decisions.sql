-- Officers' decisions (pipeline/rules reads them): never updated or
-- deleted; a later decision of the same kind overrides an earlier one.
CREATE TABLE decisions (
    id          BIGSERIAL PRIMARY KEY,
    campaign_id TEXT NOT NULL,
    kind        TEXT NOT NULL,
    message_key TEXT NOT NULL DEFAULT '',
    unit        TEXT NOT NULL DEFAULT '',
    code        TEXT NOT NULL DEFAULT '',
    file        TEXT NOT NULL DEFAULT '',
    address     TEXT NOT NULL DEFAULT '',
    until       TIMESTAMPTZ,
    decided_by  TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    decided_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX decisions_campaign ON decisions (campaign_id, id);
