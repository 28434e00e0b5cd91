-- Indexes for List's filters (PostgresSearch): each is (log_id, X, seq), so that an equality
-- on X leaves the rows in seq order and a page is one index range scan from the page
-- token's seq that stops after the page. Time windows are seq ranges (V4).
--
-- * action: the "C" collation, so that an action prefix (user.) is one contiguous range of
--   the index (in a linguistic collation 'user.x' and 'usera' interleave). It replaces
--   V1's index on action in the database's collation; List compares action COLLATE "C".
-- * target: a 64-bit hash. A target may hold 1024 characters, up to 4 KB of UTF-8, more
--   than a btree entry may (about 2.7 KB): such an INSERT would fail. List compares the
--   hash on the index and the target on the row.
-- * source_ip: the stored canonical text as inet ('' for none is NULL), so that a network
--   (10.0.0.0/8, 2001:db8::/32) is one range of the index: inet sorts by family, then
--   address, and stored addresses are hosts. An IPv6 zone (fe80::1%eth0, which servers
--   before the zone was refused at Append stored) is cut off first: inet has none, and this
--   CREATE INDEX would fail on such a row, as would any INSERT of one later. The text itself is INCLUDEd: PostgreSQL
--   reads an expression index without the table only if the columns of the expression are
--   in it, and a network of many addresses sorts the seqs of its entries from the index
--   alone (at 10 million entries, a /16 of 125,000 entries: 15 ms instead of 60 ms).
-- * user_id (at most 256 characters, 1 KB), outcome, producer: as they are.
--
-- On a large log these CREATE INDEX statements hold a lock that blocks appends while they
-- build (25 s to a minute per index per 10 million entries here); run the migration as a
-- deploy step (--migrate only).

CREATE INDEX entry_action_c_seq ON entry (log_id, action COLLATE "C", seq);
DROP INDEX entry_action_seq;
CREATE INDEX entry_user_id_seq ON entry (log_id, user_id, seq);
CREATE INDEX entry_target_hash_seq ON entry (log_id, hashtextextended(target, 0), seq);
CREATE INDEX entry_outcome_seq ON entry (log_id, outcome, seq);
CREATE INDEX entry_producer_seq ON entry (log_id, producer, seq);
CREATE INDEX entry_source_ip_seq
  ON entry (log_id, (NULLIF(split_part(source_ip, '%', 1), '')::inet), seq) INCLUDE (source_ip);

-- The planner's statistics of the new index expressions (the inet of source_ip, the target's
-- hash) come from ANALYZE; on a large log autovacuum would not run it before a tenth more
-- entries had come in, and until then a network would be planned blind.
ANALYZE entry;
