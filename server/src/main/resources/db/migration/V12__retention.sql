-- Retention (docs/operations.md, "Retention"): how long, at least, each log keeps its entries
-- before the owner may archive them (audit-server archive). One row per decision, never
-- changed or removed; the retention in force for a log is its newest row.
--
-- A retention can be extended, never shortened, and PostgreSQL itself refuses a shorter one,
-- whoever inserts it: a row trigger compares the new row with the longest recorded for its
-- log (under a lock on the log's retention, so that two inserts cannot pass each other).
-- The first row of a log may name any length (the operator's choice when the log is first
-- served; the server records one year unless told otherwise). recorded_at and recorded_by are
-- the database's clock and login, whatever the INSERT says. The writer role may only read.
--
-- Lengths are whole days; a year counts as 366 days and a month as 31 (ServerConfig's
-- --retention), so that a retention is never shorter than the calendar span it was given as.
-- Logs that hold entries before this migration get the default, one year.

CREATE TABLE retention (
  id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  log_id       text        NOT NULL CHECK (log_id <> ''),
  minimum_days integer     NOT NULL CHECK (minimum_days >= 0),
  recorded_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  recorded_by  text        NOT NULL DEFAULT session_user
);

COMMENT ON TABLE retention IS
  'Append-only history of each log''s minimum retention in days; never shortened.';

CREATE INDEX retention_log_id ON retention (log_id, id);

CREATE FUNCTION retention_guard() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  longest integer;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('audit.retention:' || NEW.log_id, 0));
  NEW.recorded_at := clock_timestamp();
  NEW.recorded_by := session_user;
  -- A fresh snapshot (the function is VOLATILE): sees every row committed before the lock.
  SELECT max(r.minimum_days) INTO longest
    FROM ${flyway:defaultSchema}.retention r
   WHERE r.log_id = NEW.log_id;
  IF NEW.minimum_days < longest THEN
    RAISE EXCEPTION 'retention refused: log %: % days is shorter than the recorded % days;'
      ' a retention can be extended, never shortened', NEW.log_id, NEW.minimum_days, longest
      USING ERRCODE = 'AU422';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER retention_guard
  BEFORE INSERT ON retention
  FOR EACH ROW EXECUTE FUNCTION retention_guard();
ALTER TABLE retention ENABLE ALWAYS TRIGGER retention_guard;

CREATE TRIGGER retention_no_update_delete
  BEFORE UPDATE OR DELETE ON retention
  FOR EACH ROW EXECUTE FUNCTION reject_change();
CREATE TRIGGER retention_no_truncate
  BEFORE TRUNCATE ON retention
  FOR EACH STATEMENT EXECUTE FUNCTION reject_change();
ALTER TABLE retention ENABLE ALWAYS TRIGGER retention_no_update_delete;
ALTER TABLE retention ENABLE ALWAYS TRIGGER retention_no_truncate;

-- The logs stored so far, one index step each (a loose scan of the primary key).
INSERT INTO retention (log_id, minimum_days)
WITH RECURSIVE logs (log_id) AS (
  SELECT min(e.log_id) FROM entry e
  UNION ALL
  SELECT (SELECT min(e.log_id) FROM entry e WHERE e.log_id > l.log_id)
    FROM logs l WHERE l.log_id IS NOT NULL
)
SELECT l.log_id, 366 FROM logs l WHERE l.log_id IS NOT NULL;

REVOKE ALL ON FUNCTION retention_guard() FROM PUBLIC;
REVOKE ALL ON TABLE retention FROM PUBLIC;
GRANT SELECT ON TABLE retention TO ${writer_role};
