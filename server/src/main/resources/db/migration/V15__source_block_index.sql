-- An index for networks of many addresses (PostgresSearch): the source address's block, its
-- /16 for IPv4 and its /32 for IPv6 (a cidr, 10.1.0.0/16), then seq.
--
-- V10's index of the address itself holds a network as one range of it, but in address
-- order: a page of a /16 of thousands of active addresses has to find the seqs of each in
-- its window and sort them (at 10 million entries about 26 ms at the median, 35 ms at p99).
-- A network of whole blocks is an equality, or up to a few dozen, on this index, whose rows
-- are then in seq order: a page is a range scan that stops after the page, as for a user.
-- A network within one block (a /24, an IPv6 /48) stays on V10's index.
--
-- The expression is the one of V10 (canonical text, without an IPv6 zone, as inet; NULL for
-- none) cut to its block; PostgresSearch.SOURCE_BLOCK must be the same expression.
--
-- On a large log this CREATE INDEX holds a lock that blocks appends while it builds; run
-- the migration as a deploy step (--migrate only).

CREATE INDEX entry_source_block_seq ON entry (log_id,
  (network(set_masklen(NULLIF(split_part(source_ip, '%', 1), '')::inet,
    CASE WHEN family(NULLIF(split_part(source_ip, '%', 1), '')::inet) = 4 THEN 16 ELSE 32 END))),
  seq);

-- The planner's statistics of the new expression come from ANALYZE (see V10).
ANALYZE entry;
