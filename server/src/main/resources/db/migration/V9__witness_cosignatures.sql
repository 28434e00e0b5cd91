-- Cosignatures of the logs' checkpoints by witnesses (c2sp.org/tlog-witness,
-- c2sp.org/tlog-cosignature; docs/merkle-tree.md): each row is one cosignature line a
-- witness returned for the checkpoint note of a log's tree of tree_size entries with root
-- merkle_root. Write-once like the entries. A row proves nothing by itself: the server and
-- every verifier check the line with the witness's public key, so the writer role can add
-- rows but not cosignatures.

CREATE TABLE witness_cosignature (
  id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  log_id         text        NOT NULL,
  tree_size      bigint      NOT NULL CHECK (tree_size >= 0),
  merkle_root    bytea       NOT NULL CHECK (octet_length(merkle_root) = 32),
  witness        text        NOT NULL CHECK (witness <> ''),
  signature_line text        NOT NULL CHECK (signature_line LIKE '— %'),
  cosigned_at    timestamptz NOT NULL,
  received_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);

COMMENT ON TABLE witness_cosignature IS
  'Witness cosignatures of checkpoint notes, as received (see docs/merkle-tree.md).';

CREATE INDEX witness_cosignature_tree ON witness_cosignature (log_id, tree_size, merkle_root);
CREATE INDEX witness_cosignature_witness ON witness_cosignature (log_id, witness, tree_size);

CREATE TRIGGER witness_cosignature_no_update_delete
  BEFORE UPDATE OR DELETE ON witness_cosignature
  FOR EACH ROW EXECUTE FUNCTION reject_change();
CREATE TRIGGER witness_cosignature_no_truncate
  BEFORE TRUNCATE ON witness_cosignature
  FOR EACH STATEMENT EXECUTE FUNCTION reject_change();
ALTER TABLE witness_cosignature ENABLE ALWAYS TRIGGER witness_cosignature_no_update_delete;
ALTER TABLE witness_cosignature ENABLE ALWAYS TRIGGER witness_cosignature_no_truncate;

REVOKE ALL ON TABLE witness_cosignature FROM PUBLIC;
GRANT SELECT, INSERT ON TABLE witness_cosignature TO ${writer_role};
