-- Tracking URLs. The signing secret made by the first replica when TRACKING_SECRET is not set
-- (one row; the first insert wins, every replica reads it back), the signer ids handed to
-- processes (one per start, so a decision id is never issued twice), and the first-fire record:
-- per (signer, UTC hour of the decision, kind) a bitmap in chunks of 8192 bits, bit n set once
-- the URL of decision n fired and was counted. `bits` stops at its last non-zero byte.
-- `keep_until` is the latest expiry (epoch ms) of the URLs recorded in the chunk.

CREATE TABLE tracking_secret (
  id     int  PRIMARY KEY CHECK (id = 1),
  secret text NOT NULL
);

CREATE SEQUENCE tracking_signers MINVALUE 1 MAXVALUE 4294967295;

CREATE TABLE tracking_fired (
  signer     bigint   NOT NULL,
  hour       integer  NOT NULL,
  kind       smallint NOT NULL,
  chunk      integer  NOT NULL,
  bits       bytea    NOT NULL,
  keep_until bigint   NOT NULL,
  PRIMARY KEY (signer, hour, kind, chunk)
);

CREATE INDEX tracking_fired_by_keep_until ON tracking_fired (keep_until);
