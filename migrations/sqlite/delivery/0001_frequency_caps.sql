-- Delivery control (embedded mode), in its own file beside the ads database.
-- Frequency caps: per (user key, ad) the times the ad was decided for that user (epoch ms,
-- comma-separated), trimmed to the ad's longest cap window; a row may go once `keep_until` passed.

CREATE TABLE frequency_caps (
  user_key   TEXT    NOT NULL,
  ad_id      TEXT    NOT NULL,
  times      TEXT    NOT NULL,
  keep_until INTEGER NOT NULL,
  PRIMARY KEY (user_key, ad_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX frequency_caps_by_keep_until ON frequency_caps (keep_until);
