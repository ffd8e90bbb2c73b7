-- A message's location (UIDVALIDITY, UID) in its mailbox: after a
-- UIDVALIDITY reset the poller lists the mailbox's copies located in an
-- older epoch and moves each it finds again to its new location
-- (sqlstore.Store.CopiesElsewhere, Relocate).
CREATE INDEX messages_location ON messages (mailbox_id, uid_validity);
