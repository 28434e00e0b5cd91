-- One round trip per committed group of appends (see PostgresAuditStore).
--
-- The sequencer reads the head, the database clock and the already-stored event ids
-- without any lock, seals the group in memory, and then stores it with one autocommitted
-- INSERT ... SELECT FROM append_guard(...), unnest(...). append_guard takes the log's
-- advisory lock (the same one lock_head takes, so the two kinds of appenders exclude each
-- other) and, under it, checks that the head is still the one the group was sealed
-- against. If another appender got in first it raises SQLSTATE AU409 and the statement
-- stores nothing; the sequencer then seals the group again. Seq stays gap-free and the chain
-- unbroken whatever the application does: a group is only ever stored right after the head
-- it was chained to.
CREATE FUNCTION append_guard(p_log_id text, p_head_seq bigint, p_head_chain_hash bytea)
  RETURNS boolean
  LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_seq bigint;
  v_chain bytea;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('audit.entry:' || p_log_id, 0));
  -- A fresh snapshot (VOLATILE): sees every entry committed before the lock was granted.
  SELECT e.seq, e.chain_hash INTO v_seq, v_chain
    FROM ${flyway:defaultSchema}.entry e
   WHERE e.log_id = p_log_id
   ORDER BY e.seq DESC
   LIMIT 1;
  IF NOT FOUND THEN
    v_seq := 0;
    v_chain := NULL;
  END IF;
  IF v_seq <> p_head_seq OR v_chain IS DISTINCT FROM p_head_chain_hash THEN
    RAISE EXCEPTION 'head of log % moved: sealed after seq %, head is seq %',
      p_log_id, p_head_seq, v_seq
      USING ERRCODE = 'AU409';
  END IF;
  RETURN true;
END
$$;

REVOKE ALL ON FUNCTION append_guard(text, bigint, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION append_guard(text, bigint, bytea) TO ${writer_role};
