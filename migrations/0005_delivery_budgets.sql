-- Impressions budgets of delivery control: per ad and period ('life', or 'd<UTC day number>'),
-- the serves granted to replicas in blocks (a grant never takes `granted` past the goal, nor
-- past the even-pacing line at the time of the grant) and the serves made (decisions, as each
-- replica reports them every second).

CREATE TABLE delivery_budgets (
  ad_id   text   NOT NULL,
  period  text   NOT NULL,
  granted bigint NOT NULL DEFAULT 0 CHECK (granted >= 0),
  served  bigint NOT NULL DEFAULT 0 CHECK (served >= 0),
  PRIMARY KEY (ad_id, period)
);
