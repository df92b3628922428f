-- Embedded store schema. Times are epoch milliseconds; JSON columns hold the core's plain values.

-- The current row of every ad that was created and not deleted (expired ones included).
CREATE TABLE ads (
  id      TEXT    PRIMARY KEY,
  ad      TEXT    NOT NULL,                          -- the Ad as JSON
  end_at  INTEGER NOT NULL,
  version INTEGER NOT NULL,
  expired INTEGER NOT NULL DEFAULT 0 CHECK (expired IN (0, 1))
) STRICT;

CREATE INDEX ads_live_by_end_at ON ads (end_at, id) WHERE expired = 0;

-- The total order: one row per committed entry, seq 1, 2, 3, … without gaps.
CREATE TABLE log (
  seq   INTEGER PRIMARY KEY CHECK (seq > 0),
  entry TEXT    NOT NULL,                            -- the Entry as JSON
  at    INTEGER NOT NULL
) STRICT;

CREATE TABLE snapshots (
  seq        INTEGER PRIMARY KEY,
  data       TEXT    NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

-- Idempotency keys of creates; the replies themselves are rebuilt from the log.
CREATE TABLE idempotency_keys (
  key         TEXT    PRIMARY KEY,
  fingerprint TEXT    NOT NULL,
  ad_id       TEXT    NOT NULL,
  at          INTEGER NOT NULL
) STRICT;

CREATE INDEX idempotency_keys_by_at ON idempotency_keys (at);
