-- The entry table partitioned by range of (log_id, seq), so that whole old partitions can
-- leave the database once archived (audit-server archive; docs/operations.md, "Retention").
--
-- * Each partition holds one log's entries from_seq <= seq < to_seq (entry_partition lists
--   them; they are named entry_p<id>). A log's partitions follow each other without gaps,
--   each as large as the one before (10 million entries for a log's first, unless the owner
--   chose another size with entry_partition_add). entry_partition_ensure, which the writer
--   may call and the server calls at start and every checkpoint interval, keeps at least
--   one whole partition ready beyond the head; it waits at most a second for the lock that
--   creating a partition takes (appends wait as long, once per partition), and tries again
--   at the next interval if it did not get it. entry_default takes any entry that no
--   partition covers (a log served before the owner recorded its retention, or a head that
--   outran the keeper); such entries stay there, and the log's next partition starts after
--   them.
-- * Unique indexes of a partitioned table must include its partition key: the primary key
--   (log_id, seq) does, but the idempotency key (log_id, event_id) of V6 does not. It lives
--   on in entry_event, one row per entry written by a statement trigger that runs as the
--   owner; a repeated event id fails the whole INSERT with unique_violation, as before.
--   entry_event is never archived: an archived entry's event id stays taken.
-- * Everything else carries over: the append-only triggers (row triggers are cloned to
--   every partition, the TRUNCATE trigger is added to each), the chain guard, the checks,
--   the indexes of V4 and V10 (one per partition), the grants. The writer role inserts and
--   reads through entry only: it holds no privilege on a partition, so it can neither read
--   nor write one directly, nor detach or drop it (only the owner of a table can).
--
-- The existing rows are copied into the partitions (docs/operations.md gives the time it took
-- for 10 million entries), then the old table is dropped. Appends wait for the migration:
-- run it as a deploy step (--migrate only).

ALTER TABLE entry RENAME TO entry_unpartitioned;

CREATE TABLE entry (
  log_id       text        NOT NULL,
  seq          bigint      NOT NULL CHECK (seq > 0),
  recorded_at  timestamptz NOT NULL,
  event_id     uuid        NOT NULL,
  user_id      text        NOT NULL,
  action       text        NOT NULL CHECK (action <> ''),
  target       text        NOT NULL,
  source_ip    text        NOT NULL,
  outcome      text        NOT NULL,
  occurred_at  timestamptz,
  risk_signals jsonb       NOT NULL CHECK (jsonb_typeof(risk_signals) = 'object'),
  attributes   jsonb       NOT NULL CHECK (jsonb_typeof(attributes) = 'object'),
  producer     text        NOT NULL CHECK (producer <> ''),
  entry_hash   bytea       NOT NULL CHECK (octet_length(entry_hash) = 32),
  chain_hash   bytea       NOT NULL CHECK (octet_length(chain_hash) = 32)
) PARTITION BY RANGE (log_id, seq);

COMMENT ON TABLE entry IS
  'Append-only audit log entries, hash-chained per log_id (see docs/hash-format.md);'
  ' partitioned by (log_id, seq), see entry_partition.';

CREATE TABLE entry_default PARTITION OF entry DEFAULT;

CREATE TABLE entry_partition (
  id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  log_id     text        NOT NULL,
  from_seq   bigint      NOT NULL CHECK (from_seq > 0),
  to_seq     bigint      NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  CHECK (to_seq > from_seq)
);

COMMENT ON TABLE entry_partition IS
  'The partitions of entry, entry_p<id>: log_id''s entries from_seq <= seq < to_seq.';

CREATE INDEX entry_partition_log_id ON entry_partition (log_id, from_seq);

CREATE TRIGGER entry_partition_no_update_delete
  BEFORE UPDATE OR DELETE ON entry_partition
  FOR EACH ROW EXECUTE FUNCTION reject_change();
CREATE TRIGGER entry_partition_no_truncate
  BEFORE TRUNCATE ON entry_partition
  FOR EACH STATEMENT EXECUTE FUNCTION reject_change();
ALTER TABLE entry_partition ENABLE ALWAYS TRIGGER entry_partition_no_update_delete;
ALTER TABLE entry_partition ENABLE ALWAYS TRIGGER entry_partition_no_truncate;

-- Adds the next partition of p_log_id, for p_entries entries; returns its name. Owner only.
CREATE FUNCTION entry_partition_add(p_log_id text, p_entries bigint) RETURNS text
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  v_from bigint;
  v_stray bigint;
  v_id bigint;
  v_name text;
BEGIN
  IF p_entries IS NULL OR p_entries < 1 THEN
    RAISE EXCEPTION 'a partition holds at least one entry, not %', p_entries
      USING ERRCODE = 'AU422';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('audit.partition:' || p_log_id, 0));
  SELECT max(p.to_seq) INTO v_from
    FROM ${flyway:defaultSchema}.entry_partition p WHERE p.log_id = p_log_id;
  -- Entries that no partition covered stay in entry_default; the partition starts after them.
  SELECT max(d.seq) + 1 INTO v_stray
    FROM ${flyway:defaultSchema}.entry_default d
   WHERE d.log_id = p_log_id AND d.seq >= COALESCE(v_from, 1);
  v_from := GREATEST(COALESCE(v_from, 1), COALESCE(v_stray, 1));
  INSERT INTO ${flyway:defaultSchema}.entry_partition (log_id, from_seq, to_seq)
  VALUES (p_log_id, v_from, v_from + p_entries)
  RETURNING id INTO v_id;
  v_name := 'entry_p' || v_id;
  EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.entry FOR VALUES FROM (%L, %s) TO (%L, %s)',
    '${flyway:defaultSchema}', v_name, '${flyway:defaultSchema}', p_log_id, v_from, p_log_id,
    v_from + p_entries);
  EXECUTE format('CREATE TRIGGER entry_no_truncate BEFORE TRUNCATE ON %I.%I'
    ' FOR EACH STATEMENT EXECUTE FUNCTION %I.reject_change()',
    '${flyway:defaultSchema}', v_name, '${flyway:defaultSchema}');
  EXECUTE format('ALTER TABLE %I.%I ENABLE ALWAYS TRIGGER entry_no_truncate',
    '${flyway:defaultSchema}', v_name);
  RETURN v_name;
END
$$;

-- Keeps at least one whole partition of p_log_id ready beyond its head; returns how many it
-- added. Runs as the owner (the writer may call it) and only for a log whose retention the
-- owner recorded, so that whoever holds the writer's credentials cannot make tables for
-- logs nobody serves.
CREATE FUNCTION entry_partition_ensure(p_log_id text) RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  SET lock_timeout = '1s'
  AS $$
DECLARE
  v_end bigint;
  v_size bigint;
  v_head bigint;
  v_added integer := 0;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM ${flyway:defaultSchema}.retention r
                  WHERE r.log_id = p_log_id) THEN
    RAISE EXCEPTION 'log % has no retention recorded: start the server once with the owner'
      ' (--migrate auto or only) to record it', p_log_id
      USING ERRCODE = 'AU422';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('audit.partition:' || p_log_id, 0));
  SELECT COALESCE(max(e.seq), 0) INTO v_head
    FROM ${flyway:defaultSchema}.entry e WHERE e.log_id = p_log_id;
  LOOP
    SELECT max(p.to_seq), (array_agg(p.to_seq - p.from_seq ORDER BY p.id DESC))[1]
      INTO v_end, v_size
      FROM ${flyway:defaultSchema}.entry_partition p WHERE p.log_id = p_log_id;
    v_size := COALESCE(v_size, 10000000);
    EXIT WHEN COALESCE(v_end, 1) > v_head + v_size;
    PERFORM ${flyway:defaultSchema}.entry_partition_add(p_log_id, v_size);
    v_added := v_added + 1;
  END LOOP;
  RETURN v_added;
END
$$;

-- The existing logs' partitions, up to one whole partition beyond each head (one step into
-- the old primary key per log), then their entries.
DO $$
DECLARE
  l record;
  v_end bigint;
BEGIN
  FOR l IN
    WITH RECURSIVE logs (log_id) AS (
      SELECT min(u.log_id) FROM ${flyway:defaultSchema}.entry_unpartitioned u
      UNION ALL
      SELECT (SELECT min(u.log_id) FROM ${flyway:defaultSchema}.entry_unpartitioned u
               WHERE u.log_id > g.log_id)
        FROM logs g WHERE g.log_id IS NOT NULL
    )
    SELECT g.log_id, (SELECT max(u.seq) FROM ${flyway:defaultSchema}.entry_unpartitioned u
                       WHERE u.log_id = g.log_id) AS head
      FROM logs g WHERE g.log_id IS NOT NULL
  LOOP
    v_end := 1;
    WHILE v_end <= l.head + 10000000 LOOP
      PERFORM ${flyway:defaultSchema}.entry_partition_add(l.log_id, 10000000);
      SELECT max(p.to_seq) INTO v_end
        FROM ${flyway:defaultSchema}.entry_partition p WHERE p.log_id = l.log_id;
    END LOOP;
  END LOOP;
END
$$;

-- The old table's indexes go first: their names are the new ones', and the copy reads it
-- whole anyway.
ALTER TABLE entry_unpartitioned DROP CONSTRAINT entry_pkey;
DROP INDEX entry_log_event_id, entry_recorded_at_seq, entry_action_c_seq, entry_user_id_seq,
  entry_target_hash_seq, entry_outcome_seq, entry_producer_seq, entry_source_ip_seq;

INSERT INTO entry (log_id, seq, recorded_at, event_id, user_id, action, target, source_ip,
    outcome, occurred_at, risk_signals, attributes, producer, entry_hash, chain_hash)
  SELECT log_id, seq, recorded_at, event_id, user_id, action, target, source_ip, outcome,
         occurred_at, risk_signals, attributes, producer, entry_hash, chain_hash
    FROM entry_unpartitioned;

CREATE TABLE entry_event (
  log_id   text   NOT NULL,
  event_id uuid   NOT NULL,
  seq      bigint NOT NULL
);

COMMENT ON TABLE entry_event IS
  'The event id of every entry ever stored, archived ones included: (log_id, event_id) is'
  ' unique (Append''s idempotency).';

INSERT INTO entry_event (log_id, event_id, seq)
  SELECT log_id, event_id, seq FROM entry_unpartitioned;

DROP TABLE entry_unpartitioned;

-- Indexes after the rows: one sort per index instead of a tree grown row by row.
ALTER TABLE entry_event ADD CONSTRAINT entry_event_pkey PRIMARY KEY (log_id, event_id);
ALTER TABLE entry ADD CONSTRAINT entry_pkey PRIMARY KEY (log_id, seq);
CREATE INDEX entry_recorded_at_seq ON entry (log_id, recorded_at, seq);
CREATE INDEX entry_action_c_seq ON entry (log_id, action COLLATE "C", seq);
CREATE INDEX entry_user_id_seq ON entry (log_id, user_id, seq);
CREATE INDEX entry_target_hash_seq ON entry (log_id, hashtextextended(target, 0), seq);
CREATE INDEX entry_outcome_seq ON entry (log_id, outcome, seq);
CREATE INDEX entry_producer_seq ON entry (log_id, producer, seq);
CREATE INDEX entry_source_ip_seq
  ON entry (log_id, (NULLIF(split_part(source_ip, '%', 1), '')::inet), seq) INCLUDE (source_ip);

-- V5's checks, NOT VALID as there: rows stored before V5 are not rescanned.
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

-- The append-only triggers. Row triggers are cloned to every partition, present and future;
-- TRUNCATE of a partition is refused by its own trigger (entry_partition_add adds it).
CREATE TRIGGER entry_no_update_delete
  BEFORE UPDATE OR DELETE ON entry
  FOR EACH ROW EXECUTE FUNCTION reject_change();
CREATE TRIGGER entry_no_truncate
  BEFORE TRUNCATE ON entry
  FOR EACH STATEMENT EXECUTE FUNCTION reject_change();
ALTER TABLE entry ENABLE ALWAYS TRIGGER entry_no_update_delete;
ALTER TABLE entry ENABLE ALWAYS TRIGGER entry_no_truncate;
CREATE TRIGGER entry_no_truncate
  BEFORE TRUNCATE ON entry_default
  FOR EACH STATEMENT EXECUTE FUNCTION reject_change();
ALTER TABLE entry_default ENABLE ALWAYS TRIGGER entry_no_truncate;
DO $$
DECLARE
  p record;
BEGIN
  FOR p IN SELECT 'entry_p' || id AS name FROM ${flyway:defaultSchema}.entry_partition
           UNION ALL SELECT 'entry_default' LOOP
    EXECUTE format('ALTER TABLE %I.%I ENABLE ALWAYS TRIGGER entry_no_update_delete',
      '${flyway:defaultSchema}', p.name);
  END LOOP;
END
$$;

-- V5's chain guard, on the new table.
CREATE TRIGGER entry_chain_guard
  AFTER INSERT ON entry
  REFERENCING NEW TABLE AS new_entries
  FOR EACH STATEMENT EXECUTE FUNCTION entry_chain_guard();
ALTER TABLE entry ENABLE ALWAYS TRIGGER entry_chain_guard;

-- The event ids of every INSERT, as the owner (the writer may only read entry_event).
CREATE FUNCTION entry_event_record() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  INSERT INTO ${flyway:defaultSchema}.entry_event (log_id, event_id, seq)
    SELECT n.log_id, n.event_id, n.seq FROM new_entries n;
  RETURN NULL;
END
$$;

CREATE TRIGGER entry_event_record
  AFTER INSERT ON entry
  REFERENCING NEW TABLE AS new_entries
  FOR EACH STATEMENT EXECUTE FUNCTION entry_event_record();
ALTER TABLE entry ENABLE ALWAYS TRIGGER entry_event_record;

CREATE TRIGGER entry_event_no_update_delete
  BEFORE UPDATE OR DELETE ON entry_event
  FOR EACH ROW EXECUTE FUNCTION reject_change();
CREATE TRIGGER entry_event_no_truncate
  BEFORE TRUNCATE ON entry_event
  FOR EACH STATEMENT EXECUTE FUNCTION reject_change();
ALTER TABLE entry_event ENABLE ALWAYS TRIGGER entry_event_no_update_delete;
ALTER TABLE entry_event ENABLE ALWAYS TRIGGER entry_event_no_truncate;

REVOKE ALL ON FUNCTION entry_partition_add(text, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION entry_partition_ensure(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION entry_event_record() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION entry_partition_ensure(text) TO ${writer_role};
REVOKE ALL ON TABLE entry, entry_default, entry_partition, entry_event FROM PUBLIC;
GRANT SELECT, INSERT ON TABLE entry TO ${writer_role};
GRANT SELECT ON TABLE entry_partition, entry_event TO ${writer_role};

ANALYZE entry;
ANALYZE entry_event;
