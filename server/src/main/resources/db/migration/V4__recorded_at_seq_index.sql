-- Time windows become seq ranges: recorded_at never decreases as seq grows, so the first
-- entry recorded at or after a time is found by one step into this index, and List and
-- Export then scan (log_id, action, seq) or the primary key over that seq range.
CREATE INDEX entry_recorded_at_seq ON entry (log_id, recorded_at, seq);
DROP INDEX entry_recorded_at;
