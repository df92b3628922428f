-- Impressions budgets (embedded mode): per ad and period ('life', or 'd<UTC day number>'), the
-- serves granted (in blocks, never past the goal or the even-pacing line) and the serves made.

CREATE TABLE delivery_budgets (
  ad_id   TEXT    NOT NULL,
  period  TEXT    NOT NULL,
  granted INTEGER NOT NULL DEFAULT 0 CHECK (granted >= 0),
  served  INTEGER NOT NULL DEFAULT 0 CHECK (served >= 0),
  PRIMARY KEY (ad_id, period)
) STRICT, WITHOUT ROWID;
