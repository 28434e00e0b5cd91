-- Signed checkpoints: write-once, like the entries.
--
-- Each row says that, as of recorded_at, the log held entries 1..seq with the chain hash
-- chain_hash, signed with Ed25519 by the key key_id (docs/checkpoint-format.md). The
-- writer role may INSERT and SELECT only; the same triggers as on entry refuse UPDATE,
-- DELETE and TRUNCATE for everyone, and fire ALWAYS.

CREATE TABLE checkpoint (
  id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  log_id       text        NOT NULL,
  seq          bigint      NOT NULL CHECK (seq >= 0),
  chain_hash   bytea       NOT NULL CHECK (octet_length(chain_hash) = 32),
  recorded_at  timestamptz NOT NULL,
  key_id       text        NOT NULL CHECK (key_id ~ '^[0-9a-f]{64}$'),
  public_key   bytea       NOT NULL,
  signature    bytea       NOT NULL CHECK (octet_length(signature) = 64)
);

COMMENT ON TABLE checkpoint IS
  'Append-only signed checkpoints of the entry chain (see docs/checkpoint-format.md).';

CREATE INDEX checkpoint_log_seq ON checkpoint (log_id, seq, recorded_at);

CREATE TRIGGER checkpoint_no_update_delete
  BEFORE UPDATE OR DELETE ON checkpoint
  FOR EACH ROW EXECUTE FUNCTION reject_change();
CREATE TRIGGER checkpoint_no_truncate
  BEFORE TRUNCATE ON checkpoint
  FOR EACH STATEMENT EXECUTE FUNCTION reject_change();
ALTER TABLE checkpoint ENABLE ALWAYS TRIGGER checkpoint_no_update_delete;
ALTER TABLE checkpoint ENABLE ALWAYS TRIGGER checkpoint_no_truncate;

REVOKE ALL ON TABLE checkpoint FROM PUBLIC;
GRANT SELECT, INSERT ON TABLE checkpoint TO ${writer_role};
