-- The Merkle tree beside the chain (docs/merkle-tree.md): RFC 6962, leaf i is the entry with
-- seq i + 1, its leaf hash SHA-256(0x00 || entry_hash).
--
-- The tree is stored as tiles of height 8, as c2sp.org/tlog-tiles lays them out: the tile
-- (level L, index N) holds the 256 hashes of the tree's nodes at height 8 * L with indexes
-- 256 * N .. 256 * N + 255, concatenated (8192 bytes). Only full tiles are stored, once:
-- the partial tiles at the right edge live in the server's memory and are rebuilt from
-- the entries and the full tiles when it starts. Existing logs get their tiles from the
-- server when it first starts after this migration (it integrates every entry, logging the
-- time it took).
--
-- Tiles are write-once like the entries, and the writer role cannot plant a wrong one: a
-- row trigger recomputes every inserted tile from what it summarizes (the entries' hashes
-- for level 0, the full tiles below for the others) and refuses any other content.
--
-- Checkpoints gain the tree: tree_size (always seq) and merkle_root, which the JSON
-- signature covers, and note, the same checkpoint as a C2SP signed note.

CREATE TABLE merkle_tile (
  log_id  text     NOT NULL,
  level   smallint NOT NULL CHECK (level BETWEEN 0 AND 7),
  idx     bigint   NOT NULL CHECK (idx >= 0),
  hashes  bytea    NOT NULL CHECK (octet_length(hashes) = 8192),
  PRIMARY KEY (log_id, level, idx)
);

COMMENT ON TABLE merkle_tile IS
  'Full tiles (height 8) of each log''s RFC 6962 Merkle tree (see docs/merkle-tree.md).';

CREATE TRIGGER merkle_tile_no_update_delete
  BEFORE UPDATE OR DELETE ON merkle_tile
  FOR EACH ROW EXECUTE FUNCTION reject_change();
CREATE TRIGGER merkle_tile_no_truncate
  BEFORE TRUNCATE ON merkle_tile
  FOR EACH STATEMENT EXECUTE FUNCTION reject_change();
ALTER TABLE merkle_tile ENABLE ALWAYS TRIGGER merkle_tile_no_update_delete;
ALTER TABLE merkle_tile ENABLE ALWAYS TRIGGER merkle_tile_no_truncate;

-- The root of the perfect subtree whose 256 bottom hashes are `hashes`.
CREATE FUNCTION merkle_tile_root(hashes bytea) RETURNS bytea
  LANGUAGE plpgsql IMMUTABLE STRICT
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  level bytea := hashes;
  next bytea;
  n integer := 256;
BEGIN
  WHILE n > 1 LOOP
    next := ''::bytea;
    FOR i IN 0 .. n / 2 - 1 LOOP
      next := next || sha256('\x01'::bytea || substring(level FROM i * 64 + 1 FOR 64));
    END LOOP;
    level := next;
    n := n / 2;
  END LOOP;
  RETURN level;
END
$$;

CREATE FUNCTION merkle_tile_guard() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  expected bytea;
  found bigint;
BEGIN
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

CREATE TRIGGER merkle_tile_guard
  BEFORE INSERT ON merkle_tile
  FOR EACH ROW EXECUTE FUNCTION merkle_tile_guard();
ALTER TABLE merkle_tile ENABLE ALWAYS TRIGGER merkle_tile_guard;

REVOKE ALL ON FUNCTION merkle_tile_guard() FROM PUBLIC;
REVOKE ALL ON TABLE merkle_tile FROM PUBLIC;
GRANT SELECT, INSERT ON TABLE merkle_tile TO ${writer_role};

ALTER TABLE checkpoint
  ADD COLUMN tree_size   bigint,
  ADD COLUMN merkle_root bytea,
  ADD COLUMN note        text,
  ADD CONSTRAINT checkpoint_tree CHECK (
    (tree_size IS NULL AND merkle_root IS NULL AND note IS NULL)
    OR (tree_size = seq AND octet_length(merkle_root) = 32 AND note IS NOT NULL));
