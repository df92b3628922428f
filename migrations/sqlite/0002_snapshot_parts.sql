-- Snapshots are stored in parts of about a megabyte, each written in its own transaction, so
-- that a large state is never one long write. `snapshots.parts` counts them (0: the whole state
-- is in `snapshots.data`, as written before this migration); the row is inserted after its
-- last part, so a snapshot is visible only once complete.
ALTER TABLE snapshots ADD COLUMN parts INTEGER NOT NULL DEFAULT 0;

CREATE TABLE snapshot_parts (
  seq  INTEGER NOT NULL,
  part INTEGER NOT NULL,
  data TEXT    NOT NULL,
  PRIMARY KEY (seq, part)
) STRICT;
