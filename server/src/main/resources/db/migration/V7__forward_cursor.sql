-- Forwarding to SIEMs: one durable cursor per destination and log, the one thing that moves.
--
-- The entries and checkpoints stay write-once. A cursor says how far a destination has
-- received a log: entries 1..seq, and the checkpoints with id <= checkpoint_id. The writer
-- role may read cursors but not write them: it moves them only through the functions
-- below, which run as the owner (SECURITY DEFINER) and do exactly one thing each; a
-- cursor moves forward only, except by an explicit replay.

CREATE TABLE forward_cursor (
  destination     text        NOT NULL CHECK (destination ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  log_id          text        NOT NULL,
  seq             bigint      NOT NULL DEFAULT 0 CHECK (seq >= 0),
  checkpoint_id   bigint      NOT NULL DEFAULT 0 CHECK (checkpoint_id >= 0),
  paused          text,
  last_success_at timestamptz,
  last_error      text,
  last_error_at   timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (destination, log_id)
);

COMMENT ON TABLE forward_cursor IS
  'How far each forwarding destination has received each log (see docs/siem.md).';

REVOKE ALL ON TABLE forward_cursor FROM PUBLIC;
GRANT SELECT ON TABLE forward_cursor TO ${writer_role};

-- The id of a checkpoint orders checkpoints as they were made; forwarders read them by it.
CREATE INDEX checkpoint_log_id_id ON checkpoint (log_id, id);

-- Records that entries 1..p_seq and the checkpoints up to p_checkpoint_id were delivered.
-- Never moves a cursor back.
CREATE FUNCTION forward_advance(p_destination text, p_log_id text, p_seq bigint,
    p_checkpoint_id bigint)
  RETURNS void
  LANGUAGE sql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
    INSERT INTO ${flyway:defaultSchema}.forward_cursor AS c
           (destination, log_id, seq, checkpoint_id, last_success_at, updated_at)
    VALUES (p_destination, p_log_id, p_seq, p_checkpoint_id, clock_timestamp(),
            clock_timestamp())
    ON CONFLICT (destination, log_id) DO UPDATE
       SET seq = GREATEST(c.seq, EXCLUDED.seq),
           checkpoint_id = GREATEST(c.checkpoint_id, EXCLUDED.checkpoint_id),
           last_success_at = EXCLUDED.last_success_at,
           updated_at = EXCLUDED.updated_at;
  $$;

-- Records a failed delivery; with p_pause, the destination is paused with that reason until
-- an operator replays or resumes it.
CREATE FUNCTION forward_failed(p_destination text, p_log_id text, p_error text,
    p_pause boolean)
  RETURNS void
  LANGUAGE sql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
    INSERT INTO ${flyway:defaultSchema}.forward_cursor AS c
           (destination, log_id, paused, last_error, last_error_at, updated_at)
    VALUES (p_destination, p_log_id, CASE WHEN p_pause THEN left(p_error, 1000) END,
            left(p_error, 1000), clock_timestamp(), clock_timestamp())
    ON CONFLICT (destination, log_id) DO UPDATE
       SET paused = CASE WHEN p_pause THEN EXCLUDED.last_error ELSE c.paused END,
           last_error = EXCLUDED.last_error,
           last_error_at = EXCLUDED.last_error_at,
           updated_at = EXCLUDED.updated_at;
  $$;

-- Moves a cursor to just before p_from_seq (entries from p_from_seq and the checkpoints of
-- seq >= p_from_seq are delivered again) and resumes a paused destination. p_from_seq 0
-- only resumes.
CREATE FUNCTION forward_replay(p_destination text, p_log_id text, p_from_seq bigint)
  RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    v_checkpoint bigint;
  BEGIN
    INSERT INTO ${flyway:defaultSchema}.forward_cursor (destination, log_id)
    VALUES (p_destination, p_log_id)
    ON CONFLICT (destination, log_id) DO NOTHING;
    IF p_from_seq > 0 THEN
      -- Every checkpoint from the first one of seq >= p_from_seq on is delivered again.
      SELECT COALESCE((SELECT min(k.id) - 1 FROM ${flyway:defaultSchema}.checkpoint k
                        WHERE k.log_id = p_log_id AND k.seq >= p_from_seq),
                      (SELECT max(k.id) FROM ${flyway:defaultSchema}.checkpoint k
                        WHERE k.log_id = p_log_id),
                      0)
        INTO v_checkpoint;
      UPDATE ${flyway:defaultSchema}.forward_cursor
         SET seq = p_from_seq - 1, checkpoint_id = v_checkpoint, paused = NULL,
             updated_at = clock_timestamp()
       WHERE destination = p_destination AND log_id = p_log_id;
    ELSE
      UPDATE ${flyway:defaultSchema}.forward_cursor
         SET paused = NULL, updated_at = clock_timestamp()
       WHERE destination = p_destination AND log_id = p_log_id;
    END IF;
  END
  $$;

REVOKE ALL ON FUNCTION forward_advance(text, text, bigint, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION forward_failed(text, text, text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION forward_replay(text, text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION forward_advance(text, text, bigint, bigint) TO ${writer_role};
GRANT EXECUTE ON FUNCTION forward_failed(text, text, text, boolean) TO ${writer_role};
GRANT EXECUTE ON FUNCTION forward_replay(text, text, bigint) TO ${writer_role};
