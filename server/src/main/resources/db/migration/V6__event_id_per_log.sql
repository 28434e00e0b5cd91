-- An event id makes appends idempotent within its log (docs/hash-format.md): a retry is
-- answered from the entry that log holds, never from another log's, and the same id may be
-- used in two logs. The lookup of a group's event ids reads this index.
CREATE UNIQUE INDEX entry_log_event_id ON entry (log_id, event_id);
ALTER TABLE entry DROP CONSTRAINT entry_event_id_unique;
