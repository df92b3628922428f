-- Delivery tracking (embedded mode), in its own file beside the ads database: sums per
-- (ad, minute) for the last hour and per (ad, hour) for STATS_RETENTION_DAYS. Times are epoch ms.

CREATE TABLE tracking_minutes (
  ad_id       TEXT    NOT NULL,
  start       INTEGER NOT NULL,
  impressions INTEGER NOT NULL,
  clicks      INTEGER NOT NULL,
  PRIMARY KEY (ad_id, start)
) STRICT, WITHOUT ROWID;

CREATE INDEX tracking_minutes_by_start ON tracking_minutes (start);

CREATE TABLE tracking_hours (
  ad_id       TEXT    NOT NULL,
  start       INTEGER NOT NULL,
  impressions INTEGER NOT NULL,
  clicks      INTEGER NOT NULL,
  PRIMARY KEY (ad_id, start)
) STRICT, WITHOUT ROWID;

CREATE INDEX tracking_hours_by_start ON tracking_hours (start);

-- The greatest `at` ever counted per type (never moves back).
CREATE TABLE tracking_last (
  ad_id         TEXT    PRIMARY KEY,
  impression_at INTEGER,
  click_at      INTEGER
) STRICT, WITHOUT ROWID;

-- Each replica's spool position whose events are all in the sums above.
CREATE TABLE tracking_watermarks (
  replica_id TEXT    PRIMARY KEY,
  watermark  INTEGER NOT NULL,
  flushed_at INTEGER NOT NULL
) STRICT;

-- Idempotency keys of event requests, with the answer replayed to retries.
CREATE TABLE tracking_keys (
  key         TEXT    PRIMARY KEY,
  fingerprint TEXT    NOT NULL,
  answer      TEXT    NOT NULL,
  at          INTEGER NOT NULL
) STRICT;

CREATE INDEX tracking_keys_by_at ON tracking_keys (at);
