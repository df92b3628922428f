-- Delivery tracking: sums per (ad, minute) for the last hour and per (ad, hour) for
-- STATS_RETENTION_DAYS, added to by every replica's flushes. Times are epoch ms (bigint).

CREATE TABLE tracking_minutes (
  ad_id       text   NOT NULL,
  start       bigint NOT NULL,
  impressions bigint NOT NULL,
  clicks      bigint NOT NULL,
  PRIMARY KEY (ad_id, start)
);

CREATE INDEX tracking_minutes_by_start ON tracking_minutes (start);

CREATE TABLE tracking_hours (
  ad_id       text   NOT NULL,
  start       bigint NOT NULL,
  impressions bigint NOT NULL,
  clicks      bigint NOT NULL,
  PRIMARY KEY (ad_id, start)
);

CREATE INDEX tracking_hours_by_start ON tracking_hours (start);

-- The greatest `at` ever counted per type (never moves back).
CREATE TABLE tracking_last (
  ad_id         text   PRIMARY KEY,
  impression_at bigint,
  click_at      bigint
);

-- Each replica's spool position whose events are all in the sums above; written in the same
-- transaction as the sums, so a replayed flush is recognised and adds nothing.
CREATE TABLE tracking_watermarks (
  replica_id text        PRIMARY KEY,
  watermark  bigint      NOT NULL,
  flushed_at timestamptz NOT NULL DEFAULT now()
);

-- Idempotency keys of event requests, with the answer replayed to retries.
CREATE TABLE tracking_keys (
  key         text   PRIMARY KEY,
  fingerprint text   NOT NULL,
  answer      text   NOT NULL,
  at          bigint NOT NULL
);

CREATE INDEX tracking_keys_by_at ON tracking_keys (at);
