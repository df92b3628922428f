/**
 * Impressions budgets in embedded mode: a table of `DATA_DIR/delivery.sqlite` (schema from
 * `migrations/sqlite/delivery/`). Each call is one synchronous transaction, committed with a disk
 * flush: a grant is durable before any of its serves is made, so a restart never grants them
 * again (grants come a block at a time, so the flush is not paid per decision).
 */
import { openSqlite } from '../db/sqlite-connection.js';
import { migrateSqlite } from '../db/sqlite-migrate.js';
import { grantFrom } from './budget.js';
import type { BudgetStore } from './budget-store.js';
import { SQLITE_DELIVERY_MIGRATIONS_DIR } from './sqlite-frequency-caps.js';

export function createSqliteBudgetStore(deps: { readonly filename: string }): BudgetStore {
  const db = openSqlite(deps.filename);
  migrateSqlite(db, SQLITE_DELIVERY_MIGRATIONS_DIR);
  const sql = {
    get: db.prepare<[string, string], { granted: number; served: number }>(
      'SELECT granted, served FROM delivery_budgets WHERE ad_id = ? AND period = ?',
    ),
    addGranted: db.prepare<[string, string, number]>(
      `INSERT INTO delivery_budgets (ad_id, period, granted) VALUES (?, ?, ?)
       ON CONFLICT (ad_id, period) DO UPDATE SET granted = granted + excluded.granted`,
    ),
    release: db.prepare<[number, string, string]>(
      'UPDATE delivery_budgets SET granted = max(0, granted - ?) WHERE ad_id = ? AND period = ?',
    ),
    pruneDays: db.prepare<[number]>(
      `DELETE FROM delivery_budgets WHERE period LIKE 'd%' AND CAST(substr(period, 2) AS INTEGER) < ?`,
    ),
    addServed: db.prepare<[string, string, number], { served: number }>(
      `INSERT INTO delivery_budgets (ad_id, period, served) VALUES (?, ?, ?)
       ON CONFLICT (ad_id, period) DO UPDATE SET served = served + excluded.served RETURNING served`,
    ),
  };
  const read = (adId: string, period: string) => sql.get.get(adId, period) ?? { granted: 0, served: 0 };

  const grant = db.transaction(
    (adId: string, periods: readonly string[], allowed: readonly number[], want: number) => {
      const before = periods.map((p) => read(adId, p).granted);
      const got = grantFrom(before, allowed, want);
      if (got > 0) for (const p of periods) sql.addGranted.run(adId, p, got);
      return { got, granted: before.map((g) => g + got) };
    },
  );
  const release = db.transaction((adId: string, periods: readonly string[], n: number) => {
    for (const p of periods) sql.release.run(n, adId, p);
  });
  const addServed = db.transaction((deltas: Parameters<BudgetStore['addServed']>[0]) =>
    deltas.map((d) => sql.addServed.get(d.adId, d.period, d.n)!.served),
  );

  // Each method is synchronous underneath: a failure becomes a rejection, never a throw.
  // eslint-disable-next-line @typescript-eslint/require-await -- a rejection, never a throw
  const call = async <T>(fn: () => T): Promise<T> => fn();
  return {
    grant: (adId, periods, allowed, want) => call(() => grant.immediate(adId, periods, allowed, want)),
    release: (adId, periods, n) => call(() => release.immediate(adId, periods, n)),
    addServed: (deltas) => call(() => addServed.immediate(deltas)),
    read: (adId, periods) => call(() => periods.map((period) => ({ adId, period, ...read(adId, period) }))),
    pruneDays: (day) => call(() => sql.pruneDays.run(day).changes),
    close() {
      if (db.open) db.close();
      return Promise.resolve();
    },
  };
}
