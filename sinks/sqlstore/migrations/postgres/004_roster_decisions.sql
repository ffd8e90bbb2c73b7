-- Roster decisions (add, rename, drop a unit; its contact person and
-- phone) need these fields.
ALTER TABLE decisions ADD COLUMN new_name TEXT NOT NULL DEFAULT '';
ALTER TABLE decisions ADD COLUMN contact TEXT NOT NULL DEFAULT '';
ALTER TABLE decisions ADD COLUMN phone TEXT NOT NULL DEFAULT '';
