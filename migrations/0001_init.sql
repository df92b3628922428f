-- Replicated store schema (Postgres). Times the core uses are epoch milliseconds (bigint);
-- timestamptz columns are for people reading the tables.
--
-- The JSON columns are `json`, not `jsonb`: `json` keeps the text exactly as written and accepts
-- every string JSON.stringify produces, while `jsonb` rejects "\u0000" and lone surrogates, which
-- an ad title may legally contain.

-- The current row of every ad that was created and not deleted (expired ones included).
CREATE TABLE ads (
  id      text    PRIMARY KEY,
  data    json    NOT NULL,                          -- the Ad
  end_at  bigint  NOT NULL,
  version integer NOT NULL,
  expired boolean NOT NULL DEFAULT false
);

CREATE INDEX ads_live_by_end_at ON ads (end_at, id) WHERE NOT expired;

-- The total order: one row per committed entry, seq 1, 2, 3, … without gaps.
CREATE TABLE log (
  seq          bigint      PRIMARY KEY CHECK (seq > 0),
  entry        json        NOT NULL,                 -- the Entry, seq included
  at           bigint      NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT now()
);

-- The last committed seq. Its row lock, taken first in every write transaction, serialises the
-- writers of all replicas, so seq is decided in commit order and has no gaps.
CREATE TABLE log_head (
  id  integer PRIMARY KEY CHECK (id = 1),
  seq bigint  NOT NULL CHECK (seq >= 0)
);

INSERT INTO log_head (id, seq) VALUES (1, 0);

CREATE TABLE snapshots (
  seq        bigint      PRIMARY KEY,
  data       text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Idempotency keys of creates; the replies themselves are rebuilt from the log.
CREATE TABLE idempotency_keys (
  key         text   PRIMARY KEY,
  fingerprint text   NOT NULL,
  ad_id       text   NOT NULL,
  at          bigint NOT NULL
);

CREATE INDEX idempotency_keys_by_at ON idempotency_keys (at);
