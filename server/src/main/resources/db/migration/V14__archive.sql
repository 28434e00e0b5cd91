-- Archives (audit-server archive; docs/operations.md, "Retention"): one row per range of a
-- log's entries that left the database for an export file, never changed or removed.
--
-- A row says that entries from_seq..up_to_seq of log_id were written to a verified export
-- file whose SHA-256 is file_sha256, ending in the signed checkpoint checkpoint_id of seq
-- up_to_seq (the record that the remaining entries verify after: its chain hash is the
-- predecessor of entry up_to_seq + 1), and that their partitions were then detached and
-- dropped. The owner inserts it, in the transaction that detaches them. PostgreSQL refuses a
-- row that is not such an archive, whoever inserts it:
--
-- * it continues the previous archive of the log (or starts at seq 1), and keeps the head;
-- * entry up_to_seq was recorded longer ago than the log's retention (V12), which needs a
--   recorded retention;
-- * the checkpoint is of that entry, with its chain hash;
-- * up_to_seq ends a partition of the log, and no entry of the range lies in entry_default
--   (whole partitions leave, nothing else).
--
-- The writer role may only read it: the server answers requests for archived entries from it.

CREATE TABLE archive (
  id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  log_id        text        NOT NULL,
  from_seq      bigint      NOT NULL CHECK (from_seq > 0),
  up_to_seq     bigint      NOT NULL,
  chain_hash    bytea       NOT NULL CHECK (octet_length(chain_hash) = 32),
  checkpoint_id bigint      NOT NULL REFERENCES checkpoint (id),
  file_sha256   bytea       NOT NULL CHECK (octet_length(file_sha256) = 32),
  file_name     text        NOT NULL,
  recorded_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  recorded_by   text        NOT NULL DEFAULT session_user,
  CHECK (up_to_seq >= from_seq)
);

COMMENT ON TABLE archive IS
  'Append-only record of the entries archived to export files (see docs/operations.md).';

CREATE UNIQUE INDEX archive_log_up_to_seq ON archive (log_id, up_to_seq);

CREATE FUNCTION archive_guard() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  v_previous bigint;
  v_head bigint;
  v_recorded timestamptz;
  v_chain bytea;
  v_days integer;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('audit.partition:' || NEW.log_id, 0));
  NEW.recorded_at := clock_timestamp();
  NEW.recorded_by := session_user;
  SELECT max(a.up_to_seq) INTO v_previous
    FROM ${flyway:defaultSchema}.archive a WHERE a.log_id = NEW.log_id;
  IF NEW.from_seq <> COALESCE(v_previous, 0) + 1 THEN
    RAISE EXCEPTION 'archive refused: log %: an archive starts at seq %, after the last one,'
      ' not at seq %', NEW.log_id, COALESCE(v_previous, 0) + 1, NEW.from_seq
      USING ERRCODE = 'AU422';
  END IF;
  SELECT max(e.seq) INTO v_head
    FROM ${flyway:defaultSchema}.entry e WHERE e.log_id = NEW.log_id;
  IF v_head IS NULL OR NEW.up_to_seq >= v_head THEN
    RAISE EXCEPTION 'archive refused: log %: seq % is not before the head, seq %: the head'
      ' stays', NEW.log_id, NEW.up_to_seq, v_head
      USING ERRCODE = 'AU422';
  END IF;
  SELECT e.recorded_at, e.chain_hash INTO v_recorded, v_chain
    FROM ${flyway:defaultSchema}.entry e WHERE e.log_id = NEW.log_id AND e.seq = NEW.up_to_seq;
  SELECT r.minimum_days INTO v_days
    FROM ${flyway:defaultSchema}.retention r WHERE r.log_id = NEW.log_id
   ORDER BY r.id DESC LIMIT 1;
  IF v_days IS NULL THEN
    RAISE EXCEPTION 'archive refused: log % has no retention recorded', NEW.log_id
      USING ERRCODE = 'AU422';
  END IF;
  IF v_recorded IS NULL OR v_recorded >= clock_timestamp() - make_interval(days => v_days) THEN
    RAISE EXCEPTION 'archive refused: log %: entry seq % was recorded at %, inside the'
      ' retention of % days', NEW.log_id, NEW.up_to_seq, v_recorded, v_days
      USING ERRCODE = 'AU422';
  END IF;
  IF v_chain IS DISTINCT FROM NEW.chain_hash OR NOT EXISTS (
      SELECT 1 FROM ${flyway:defaultSchema}.checkpoint k
       WHERE k.id = NEW.checkpoint_id AND k.log_id = NEW.log_id AND k.seq = NEW.up_to_seq
         AND k.chain_hash = v_chain) THEN
    RAISE EXCEPTION 'archive refused: log %: the chain hash or checkpoint is not the one of'
      ' entry seq %', NEW.log_id, NEW.up_to_seq
      USING ERRCODE = 'AU422';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM ${flyway:defaultSchema}.entry_partition p
                  WHERE p.log_id = NEW.log_id AND p.to_seq = NEW.up_to_seq + 1)
     OR EXISTS (SELECT 1 FROM ${flyway:defaultSchema}.entry_default d
                 WHERE d.log_id = NEW.log_id AND d.seq BETWEEN NEW.from_seq AND NEW.up_to_seq)
  THEN
    RAISE EXCEPTION 'archive refused: log %: seq % does not end a partition, or entries of'
      ' the range lie in entry_default', NEW.log_id, NEW.up_to_seq
      USING ERRCODE = 'AU422';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER archive_guard
  BEFORE INSERT ON archive
  FOR EACH ROW EXECUTE FUNCTION archive_guard();
ALTER TABLE archive ENABLE ALWAYS TRIGGER archive_guard;

CREATE TRIGGER archive_no_update_delete
  BEFORE UPDATE OR DELETE ON archive
  FOR EACH ROW EXECUTE FUNCTION reject_change();
CREATE TRIGGER archive_no_truncate
  BEFORE TRUNCATE ON archive
  FOR EACH STATEMENT EXECUTE FUNCTION reject_change();
ALTER TABLE archive ENABLE ALWAYS TRIGGER archive_no_update_delete;
ALTER TABLE archive ENABLE ALWAYS TRIGGER archive_no_truncate;

REVOKE ALL ON FUNCTION archive_guard() FROM PUBLIC;
REVOKE ALL ON TABLE archive FROM PUBLIC;
GRANT SELECT ON TABLE archive TO ${writer_role};

-- V8's tile guard, with one step first: a tile identical to the stored one is skipped (the
-- INSERT's ON CONFLICT DO NOTHING would drop it anyway), before its entries are read. Once
-- they are archived they cannot be: a server whose tree starts at or before an archive's
-- checkpoint integrates the tile over the archive point again, and must not be refused. A
-- tile that differs from the stored one is still recomputed, and refused.
CREATE OR REPLACE FUNCTION merkle_tile_guard() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  expected bytea;
  found bigint;
BEGIN
  IF EXISTS (SELECT 1 FROM ${flyway:defaultSchema}.merkle_tile t
              WHERE t.log_id = NEW.log_id AND t.level = NEW.level AND t.idx = NEW.idx
                AND t.hashes = NEW.hashes) THEN
    RETURN NULL;
  END IF;
  IF NEW.level = 0 THEN
    SELECT string_agg(sha256('\x00'::bytea || e.entry_hash), ''::bytea ORDER BY e.seq),
           count(*)
      INTO expected, found
      FROM ${flyway:defaultSchema}.entry e
     WHERE e.log_id = NEW.log_id AND e.seq > NEW.idx * 256 AND e.seq <= NEW.idx * 256 + 256;
  ELSE
    SELECT string_agg(${flyway:defaultSchema}.merkle_tile_root(t.hashes), ''::bytea
                      ORDER BY t.idx), count(*)
      INTO expected, found
      FROM ${flyway:defaultSchema}.merkle_tile t
     WHERE t.log_id = NEW.log_id AND t.level = NEW.level - 1
       AND t.idx >= NEW.idx * 256 AND t.idx < NEW.idx * 256 + 256;
  END IF;
  IF found <> 256 OR expected IS DISTINCT FROM NEW.hashes THEN
    RAISE EXCEPTION 'merkle tile refused: log % level % index %: % of 256 nodes below, %',
      NEW.log_id, NEW.level, NEW.idx, found,
      CASE WHEN found = 256 THEN 'hashes differ from them' ELSE 'tile not full' END
      USING ERRCODE = 'AU422';
  END IF;
  RETURN NEW;
END
$$;
