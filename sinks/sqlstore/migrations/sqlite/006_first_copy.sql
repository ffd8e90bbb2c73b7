-- SQLite form of migrations/postgres/006_first_copy.sql (booleans are 0/1).
ALTER TABLE messages ADD COLUMN first_copy INTEGER NOT NULL DEFAULT 1;
UPDATE messages SET first_copy = 0 WHERE id IN (
    SELECT id FROM (
        SELECT id, row_number() OVER (
            PARTITION BY campaign_id, CASE WHEN message_id = '' THEN raw_sha256 ELSE message_id END
            ORDER BY internal_date, id) AS n
        FROM messages) f
    WHERE n > 1);
CREATE INDEX messages_message_id ON messages (campaign_id, message_id);
CREATE INDEX messages_raw_sha256 ON messages (campaign_id, raw_sha256);
