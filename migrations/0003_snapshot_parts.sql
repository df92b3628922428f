-- Snapshots are stored in parts of about a megabyte, inserted one statement at a time inside the
-- snapshot's transaction, so that no single parameter holds the whole state. `snapshots.parts`
-- counts them (0: the whole state is in `snapshots.data`, as written before this migration).
ALTER TABLE snapshots ADD COLUMN parts integer NOT NULL DEFAULT 0;

CREATE TABLE snapshot_parts (
  seq  bigint  NOT NULL,
  part integer NOT NULL,
  data text    NOT NULL,
  PRIMARY KEY (seq, part)
);
