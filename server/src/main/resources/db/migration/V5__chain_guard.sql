-- The database defends the chain, whoever inserts.
--
-- The writer role may INSERT, so whoever holds its credentials could insert rows that
-- break the chain (a wrong chain_hash, a gap in seq, a recorded_at in year 9999, an outcome
-- or map the readers cannot parse); every later List, Export and verification over them
-- would fail, and the server would chain its own appends onto them. PostgreSQL refuses
-- such rows itself:
--
-- * CHECK constraints on each row: a known outcome, maps of strings, timestamps that the
--   hash format can write (years 0001..9999). NOT VALID: they hold for every new row; rows
--   stored before this migration are not rescanned (the verifier checks those).
-- * A statement trigger over the rows one INSERT adds (a transition table, so a group of
--   a thousand rows is checked by one query): per log, the rows are consecutive and the
--   first follows the stored head (seq 1 follows nothing); each chain_hash is
--   sha256(previous chain_hash || entry_hash) (32 zero bytes before seq 1); recorded_at
--   never goes back, and lies at most 10 seconds ahead of the database clock unless it
--   repeats the previous entry's (the sequencer never lets it go back, even if the clock
--   does). With the primary key, a row can only ever be the head's successor.
-- * A row trigger on checkpoints: a checkpoint names a stored entry (or seq 0 with the
--   genesis hash) and that entry's chain hash. Signatures cannot be checked here; the
--   server trusts only checkpoints whose signature verifies with its own keys.
--
-- entry_hash itself is not recomputed here (RFC 8785 in SQL costs more than the rest of
-- the insert); a row whose fields do not match its entry_hash shows as FIELD_CHANGED when
-- an export is verified. All triggers fire ALWAYS, like the append-only ones.

ALTER TABLE entry ADD CONSTRAINT entry_outcome_known CHECK (outcome IN
  ('OUTCOME_SUCCESS', 'OUTCOME_FAILURE', 'OUTCOME_DENIED', 'OUTCOME_ERROR')) NOT VALID;
ALTER TABLE entry ADD CONSTRAINT entry_risk_signals_strings CHECK (
  NOT jsonb_path_exists(risk_signals, 'strict $.* ? (@.type() != "string")')) NOT VALID;
ALTER TABLE entry ADD CONSTRAINT entry_attributes_strings CHECK (
  NOT jsonb_path_exists(attributes, 'strict $.* ? (@.type() != "string")')) NOT VALID;
ALTER TABLE entry ADD CONSTRAINT entry_recorded_at_years CHECK (
  recorded_at >= '0001-01-01 00:00:00+00' AND recorded_at < '10000-01-01 00:00:00+00')
  NOT VALID;
ALTER TABLE entry ADD CONSTRAINT entry_occurred_at_years CHECK (
  occurred_at >= '0001-01-01 00:00:00+00' AND occurred_at < '10000-01-01 00:00:00+00')
  NOT VALID;

CREATE FUNCTION entry_chain_guard() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  genesis CONSTANT bytea := '\x0000000000000000000000000000000000000000000000000000000000000000';
  bad record;
BEGIN
  SELECT c.log_id, c.reason INTO bad
    FROM (SELECT n.log_id, n.seq,
                 CASE
                   WHEN n.prev_seq IS NOT NULL AND n.prev_seq <> n.seq - 1
                     THEN format('seq %s does not follow seq %s', n.seq, n.prev_seq)
                   WHEN n.prev_seq IS NULL AND n.seq > 1 AND h.chain_hash IS NULL
                     THEN format('seq %s does not follow the head of the log', n.seq)
                   WHEN n.chain_hash
                        <> sha256(COALESCE(n.prev_chain, h.chain_hash, genesis) || n.entry_hash)
                     THEN format('chain_hash of seq %s is not sha256(previous chain_hash'
                                 ' || entry_hash)', n.seq)
                   WHEN n.recorded_at < COALESCE(n.prev_recorded_at, h.recorded_at)
                     THEN format('recorded_at of seq %s is before the previous entry''s', n.seq)
                   WHEN n.recorded_at > GREATEST(COALESCE(n.prev_recorded_at, h.recorded_at),
                                                 clock_timestamp() + interval '10 seconds')
                     THEN format('recorded_at of seq %s lies in the future', n.seq)
                 END AS reason
            FROM (SELECT e.log_id, e.seq, e.recorded_at, e.entry_hash, e.chain_hash,
                         lag(e.seq) OVER w AS prev_seq,
                         lag(e.chain_hash) OVER w AS prev_chain,
                         lag(e.recorded_at) OVER w AS prev_recorded_at
                    FROM new_entries e
                  WINDOW w AS (PARTITION BY e.log_id ORDER BY e.seq)) AS n
            -- The stored head, for the first new row of each log only.
            LEFT JOIN LATERAL (
                   SELECT p.chain_hash, p.recorded_at
                     FROM ${flyway:defaultSchema}.entry p
                    WHERE n.prev_seq IS NULL AND p.log_id = n.log_id AND p.seq = n.seq - 1) AS h
              ON true) AS c
   WHERE c.reason IS NOT NULL
   ORDER BY c.log_id, c.seq
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'entry refused: log %: %', bad.log_id, bad.reason
      USING ERRCODE = 'AU422';
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER entry_chain_guard
  AFTER INSERT ON entry
  REFERENCING NEW TABLE AS new_entries
  FOR EACH STATEMENT EXECUTE FUNCTION entry_chain_guard();
ALTER TABLE entry ENABLE ALWAYS TRIGGER entry_chain_guard;

CREATE FUNCTION checkpoint_guard() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF NEW.seq = 0 THEN
    IF NEW.chain_hash <> '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea
    THEN
      RAISE EXCEPTION 'checkpoint refused: log %: seq 0 has the genesis chain hash', NEW.log_id
        USING ERRCODE = 'AU422';
    END IF;
  ELSIF NOT EXISTS (SELECT 1 FROM ${flyway:defaultSchema}.entry e
                     WHERE e.log_id = NEW.log_id AND e.seq = NEW.seq
                       AND e.chain_hash = NEW.chain_hash) THEN
    RAISE EXCEPTION 'checkpoint refused: log % has no entry seq % with that chain hash',
      NEW.log_id, NEW.seq
      USING ERRCODE = 'AU422';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER checkpoint_guard
  BEFORE INSERT ON checkpoint
  FOR EACH ROW EXECUTE FUNCTION checkpoint_guard();
ALTER TABLE checkpoint ENABLE ALWAYS TRIGGER checkpoint_guard;

REVOKE ALL ON FUNCTION entry_chain_guard() FROM PUBLIC;
REVOKE ALL ON FUNCTION checkpoint_guard() FROM PUBLIC;
