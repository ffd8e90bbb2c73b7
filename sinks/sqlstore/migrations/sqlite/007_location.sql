-- SQLite form of migrations/postgres/007_location.sql.
CREATE INDEX messages_location ON messages (mailbox_id, uid_validity);
