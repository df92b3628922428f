-- Tracking URLs (embedded mode): the signing secret made at first start when TRACKING_SECRET is
-- not set, the signer ids handed to processes (one per start), and the first-fire bitmaps, as in
-- the Postgres migration `0004_tracking_urls.sql`.

CREATE TABLE tracking_secret (
  id     INTEGER PRIMARY KEY CHECK (id = 1),
  secret TEXT    NOT NULL
) STRICT;

CREATE TABLE tracking_signers (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  started_at INTEGER NOT NULL
) STRICT;

CREATE TABLE tracking_fired (
  signer     INTEGER NOT NULL,
  hour       INTEGER NOT NULL,
  kind       INTEGER NOT NULL,
  chunk      INTEGER NOT NULL,
  bits       BLOB    NOT NULL,
  keep_until INTEGER NOT NULL,
  PRIMARY KEY (signer, hour, kind, chunk)
) STRICT, WITHOUT ROWID;

CREATE INDEX tracking_fired_by_keep_until ON tracking_fired (keep_until);
