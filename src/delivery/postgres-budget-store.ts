/**
 * Impressions budgets in Postgres (`migrations/0005_delivery_budgets.sql`), shared by every
 * replica. A grant is one round trip: three statements sent as one simple query, which Postgres
 * runs as one transaction: create the rows if missing, lock them in period order (concurrent
 * grants of any replicas queue there, and never deadlock), then, with a fresh snapshot that sees
 * the last committed grant, add `min(want, allowed − granted)` to every row.
 */
import pg from 'pg';
import { mapStoreErrors } from '../db/postgres-errors.js';
import { aroundBudgetStore, type BudgetStore } from './budget-store.js';

const lit = (s: string): string => pg.escapeLiteral(s);
const int = (n: number): string => {
  if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${n}`);
  return String(n);
};
const textArray = (xs: readonly string[]): string => `ARRAY[${xs.map(lit).join(',')}]::text[]`;

export function createPostgresBudgetStore(deps: {
  /** Borrowed: `close()` leaves it open. */
  readonly pool: pg.Pool;
  readonly schema?: string | undefined;
}): BudgetStore {
  const { pool, schema } = deps;
  const t = schema === undefined ? 'delivery_budgets' : `${pg.escapeIdentifier(schema)}.delivery_budgets`;

  const store: BudgetStore = {
    async grant(adId, periods, allowed, want) {
      if (periods.length === 0) return { got: Math.max(0, want), granted: [] };
      const ps = textArray(periods);
      const ad = lit(adId);
      const allowedArr = `ARRAY[${allowed.map(int).join(',')}]::bigint[]`;
      const text = `
        INSERT INTO ${t} (ad_id, period) SELECT ${ad}, p FROM unnest(${ps}) AS p ORDER BY p
          ON CONFLICT (ad_id, period) DO NOTHING;
        SELECT 1 FROM ${t} WHERE ad_id = ${ad} AND period = ANY(${ps}) ORDER BY period FOR UPDATE;
        WITH want AS (SELECT * FROM unnest(${ps}, ${allowedArr}) AS w(period, allowed)),
        got AS (
          SELECT GREATEST(0, LEAST(${int(want)}, min(w.allowed - b.granted)))::bigint AS n
          FROM ${t} b JOIN want w ON w.period = b.period WHERE b.ad_id = ${ad})
        UPDATE ${t} b SET granted = b.granted + got.n FROM got
          WHERE b.ad_id = ${ad} AND b.period = ANY(${ps})
          RETURNING b.period, b.granted::float8 AS granted, got.n::float8 AS got`;
      const results = (await pool.query(text)) as unknown as pg.QueryResult<{
        period: string;
        granted: number;
        got: number;
      }>[];
      const rows = results.at(-1)!.rows;
      const byPeriod = new Map(rows.map((r) => [r.period, r.granted]));
      return { got: rows[0]?.got ?? 0, granted: periods.map((p) => byPeriod.get(p) ?? 0) };
    },

    async release(adId, periods, n) {
      if (periods.length === 0 || n <= 0) return;
      await pool.query(
        `UPDATE ${t} SET granted = GREATEST(0, granted - $3::bigint) WHERE ad_id = $1 AND period = ANY($2::text[])`,
        [adId, periods, n],
      );
    },

    async addServed(deltas) {
      if (deltas.length === 0) return [];
      const order = deltas
        .map((d, i) => ({ d, i }))
        .sort((a, b) =>
          a.d.adId < b.d.adId ? -1 : a.d.adId > b.d.adId ? 1 : a.d.period < b.d.period ? -1 : 1,
        );
      const { rows } = await pool.query<{ ad_id: string; period: string; served: number }>(
        `INSERT INTO ${t} (ad_id, period, served)
           SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
         ON CONFLICT (ad_id, period) DO UPDATE SET served = ${t}.served + excluded.served
         RETURNING ad_id, period, served::float8 AS served`,
        [order.map((o) => o.d.adId), order.map((o) => o.d.period), order.map((o) => o.d.n)],
      );
      const byKey = new Map(rows.map((r) => [`${r.ad_id}\u0000${r.period}`, r.served]));
      return deltas.map((d) => byKey.get(`${d.adId}\u0000${d.period}`) ?? 0);
    },

    async read(adId, periods) {
      const { rows } = await pool.query<{ period: string; granted: number; served: number }>(
        `SELECT period, granted::float8 AS granted, served::float8 AS served FROM ${t}
         WHERE ad_id = $1 AND period = ANY($2::text[])`,
        [adId, periods],
      );
      const byPeriod = new Map(rows.map((r) => [r.period, r]));
      return periods.map((period) => {
        const r = byPeriod.get(period);
        return { adId, period, granted: r?.granted ?? 0, served: r?.served ?? 0 };
      });
    },

    async pruneDays(day) {
      const { rowCount } = await pool.query(
        `DELETE FROM ${t} WHERE period LIKE 'd%' AND substr(period, 2)::bigint < $1`,
        [day],
      );
      return rowCount ?? 0;
    },

    close: () => Promise.resolve(),
  };
  // An outage is 503 store_unavailable; a bug stays a 500.
  return aroundBudgetStore(store, mapStoreErrors);
}
