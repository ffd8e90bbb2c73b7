-- first_copy marks, of the copies of a message (the rows of a campaign
-- sharing a Message-ID, or raw bytes without one), the one received
-- first: the one whose facts are read (Facts); the others are read for
-- where and when they arrived.
ALTER TABLE messages ADD COLUMN first_copy BOOLEAN NOT NULL DEFAULT TRUE;
UPDATE messages SET first_copy = FALSE WHERE id IN (
    SELECT id FROM (
        SELECT id, row_number() OVER (
            PARTITION BY campaign_id, CASE WHEN message_id = '' THEN raw_sha256 ELSE message_id END
            ORDER BY internal_date, id) AS n
        FROM messages) f
    WHERE n > 1);
CREATE INDEX messages_message_id ON messages (campaign_id, message_id);
CREATE INDEX messages_raw_sha256 ON messages (campaign_id, raw_sha256);
