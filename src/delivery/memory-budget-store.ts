/** Impressions budgets in memory, for tests of one process (what the SQLite adapter does, without a file). */
import { grantFrom } from './budget.js';
import type { BudgetStore } from './budget-store.js';

export function createMemoryBudgetStore(): BudgetStore & { readonly calls: () => number } {
  const rows = new Map<string, { granted: number; served: number }>();
  let calls = 0;
  const row = (adId: string, period: string) => {
    const key = `${adId}\u0000${period}`;
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { granted: 0, served: 0 }));
    return r;
  };
  return {
    calls: () => calls,
    grant(adId, periods, allowed, want) {
      calls++;
      const rs = periods.map((p) => row(adId, p));
      const got = grantFrom(
        rs.map((r) => r.granted),
        allowed,
        want,
      );
      for (const r of rs) r.granted += got;
      return Promise.resolve({ got, granted: rs.map((r) => r.granted) });
    },
    release(adId, periods, n) {
      calls++;
      for (const p of periods) {
        const r = row(adId, p);
        r.granted = Math.max(0, r.granted - n);
      }
      return Promise.resolve();
    },
    addServed(deltas) {
      calls++;
      return Promise.resolve(
        deltas.map((d) => {
          const r = row(d.adId, d.period);
          r.served += d.n;
          return r.served;
        }),
      );
    },
    read(adId, periods) {
      calls++;
      return Promise.resolve(
        periods.map((period) => {
          const r = rows.get(`${adId}\u0000${period}`) ?? { granted: 0, served: 0 };
          return { adId, period, granted: r.granted, served: r.served };
        }),
      );
    },
    pruneDays(day) {
      calls++;
      let n = 0;
      for (const key of rows.keys()) {
        const period = key.slice(key.indexOf('\u0000') + 1);
        if (period.startsWith('d') && Number(period.slice(1)) < day) {
          rows.delete(key);
          n++;
        }
      }
      return Promise.resolve(n);
    },
    close: () => Promise.resolve(),
  };
}
