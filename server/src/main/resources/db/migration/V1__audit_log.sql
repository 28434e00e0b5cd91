-- The audit log: one row per entry, write-once.
--
-- Runs as the schema owner. The server writes as ${writer_role}, which gets INSERT and
-- SELECT on the entries and nothing else; triggers refuse UPDATE, DELETE and TRUNCATE for
-- everyone, the owner included, and fire ALWAYS so that session_replication_role = replica
-- does not skip them. Tampering therefore needs a superuser who drops or disables the
-- triggers, and the hash chain makes that visible to an offline verifier.

REVOKE ALL ON SCHEMA ${flyway:defaultSchema} FROM PUBLIC;
GRANT USAGE ON SCHEMA ${flyway:defaultSchema} TO ${writer_role};

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
  chain_hash   bytea       NOT NULL CHECK (octet_length(chain_hash) = 32),
  PRIMARY KEY (log_id, seq),
  CONSTRAINT entry_event_id_unique UNIQUE (event_id)
);

COMMENT ON TABLE entry IS
  'Append-only audit log entries, hash-chained per log_id (see docs/hash-format.md).';

CREATE INDEX entry_action_seq ON entry (log_id, action, seq);
CREATE INDEX entry_recorded_at ON entry (log_id, recorded_at);

CREATE FUNCTION reject_change() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit log is append-only: % on %.% refused', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER entry_no_update_delete
  BEFORE UPDATE OR DELETE ON entry
  FOR EACH ROW EXECUTE FUNCTION reject_change();
CREATE TRIGGER entry_no_truncate
  BEFORE TRUNCATE ON entry
  FOR EACH STATEMENT EXECUTE FUNCTION reject_change();
ALTER TABLE entry ENABLE ALWAYS TRIGGER entry_no_update_delete;
ALTER TABLE entry ENABLE ALWAYS TRIGGER entry_no_truncate;

-- Serializes the appenders of one log across server instances and returns its head.
--
-- Takes a transaction-scoped advisory lock on the log, then reads the newest entry with a
-- fresh snapshot (a VOLATILE function takes one per statement), so the caller sees every
-- entry committed before it got the lock. Returns seq 0 and NULLs for an empty log, and the
-- database clock.
CREATE FUNCTION lock_head(p_log_id text)
  RETURNS TABLE (head_seq bigint, head_chain_hash bytea, head_recorded_at timestamptz,
                 clock timestamptz)
  LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('audit.entry:' || p_log_id, 0));
  RETURN QUERY
    SELECT e.seq, e.chain_hash, e.recorded_at, clock_timestamp()
      FROM ${flyway:defaultSchema}.entry e
     WHERE e.log_id = p_log_id
     ORDER BY e.seq DESC
     LIMIT 1;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 0::bigint, NULL::bytea, NULL::timestamptz, clock_timestamp();
  END IF;
END
$$;

REVOKE ALL ON FUNCTION reject_change() FROM PUBLIC;
REVOKE ALL ON FUNCTION lock_head(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION lock_head(text) TO ${writer_role};
REVOKE ALL ON TABLE entry FROM PUBLIC;
GRANT SELECT, INSERT ON TABLE entry TO ${writer_role};
