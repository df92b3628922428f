import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BudgetStore } from './budget-store.js';

/**
 * What every BudgetStore adapter must do. `make` opens another handle on the same, initially
 * empty store (as another replica would): three are opened.
 */
export function budgetStoreContract(
  name: string,
  make: () => Promise<BudgetStore>,
  done: () => Promise<void>,
) {
  describe(`BudgetStore contract: ${name}`, () => {
    let stores: BudgetStore[];
    let n = 0;
    const ad = () => `ad-${++n}-${Math.random().toString(36).slice(2)}`;
    beforeAll(async () => {
      stores = [await make(), await make(), await make()];
    });
    afterAll(async () => {
      for (const s of stores) await s.close();
      await done();
    });

    it('grants at most what every period allows, and answers what each period has granted', async () => {
      const [s] = stores;
      const id = ad();
      expect(await s!.grant(id, ['life', 'd1'], [100, 10], 4)).toEqual({ got: 4, granted: [4, 4] });
      expect(await s!.grant(id, ['life', 'd1'], [100, 10], 8)).toEqual({ got: 6, granted: [10, 10] });
      expect(await s!.grant(id, ['life', 'd1'], [100, 10], 8)).toEqual({ got: 0, granted: [10, 10] });
      // The next day: the lifetime row goes on, the new day starts at 0.
      expect(await s!.grant(id, ['life', 'd2'], [100, 10], 8)).toEqual({ got: 8, granted: [18, 8] });
      // An allowed below what was granted (a lowered goal) grants nothing and changes nothing.
      expect(await s!.grant(id, ['life'], [5], 3)).toEqual({ got: 0, granted: [18] });
      expect(await s!.read(id, ['life', 'd1', 'd2', 'd3'])).toEqual([
        { adId: id, period: 'life', granted: 18, served: 0 },
        { adId: id, period: 'd1', granted: 10, served: 0 },
        { adId: id, period: 'd2', granted: 8, served: 0 },
        { adId: id, period: 'd3', granted: 0, served: 0 },
      ]);
    });

    it('concurrent grants from every handle never pass allowed, and add up to it', async () => {
      const id = ad();
      const answers = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          stores[i % 3]!.grant(id, ['life', 'd7'], [1000, 97], 1 + (i % 5)),
        ),
      );
      const total = answers.reduce((sum, a) => sum + a.got, 0);
      expect(total).toBe(97);
      const [life, day] = await stores[1]!.read(id, ['life', 'd7']);
      expect(life!.granted).toBe(97);
      expect(day!.granted).toBe(97);
      // Each answer's granted is a state the rows passed through: the largest one is the last.
      expect(Math.max(...answers.map((a) => a.granted[1]!))).toBe(97);
    });

    it('release gives back, never below zero', async () => {
      const id = ad();
      await stores[0]!.grant(id, ['life'], [50], 20);
      await stores[1]!.release(id, ['life'], 5);
      expect((await stores[2]!.read(id, ['life']))[0]!.granted).toBe(15);
      await stores[1]!.release(id, ['life'], 100);
      expect((await stores[2]!.read(id, ['life']))[0]!.granted).toBe(0);
      expect((await stores[2]!.grant(id, ['life'], [50], 60)).got).toBe(50);
    });

    it('served counts add up across handles and answer the totals', async () => {
      const a = ad();
      const b = ad();
      expect(
        await stores[0]!.addServed([
          { adId: b, period: 'life', n: 2 },
          { adId: a, period: 'life', n: 3 },
          { adId: a, period: 'd4', n: 1 },
        ]),
      ).toEqual([2, 3, 1]);
      const together = await Promise.all(
        stores.map((s) =>
          s.addServed([
            { adId: a, period: 'life', n: 10 },
            { adId: b, period: 'life', n: 1 },
          ]),
        ),
      );
      expect(Math.max(...together.map((t) => t[0]!))).toBe(33);
      const rows = await stores[2]!.read(a, ['life', 'd4']);
      expect(rows.map((r) => r.served)).toEqual([33, 1]);
      expect((await stores[2]!.read(b, ['life']))[0]!.served).toBe(5);
    });

    it('pruneDays deletes the rows of days before the one given, never lifetime rows', async () => {
      const id = ad();
      await stores[0]!.grant(id, ['life', 'd99'], [100, 10], 2);
      await stores[0]!.grant(id, ['life', 'd100'], [100, 10], 3);
      await stores[1]!.addServed([{ adId: id, period: 'd98', n: 1 }]);
      expect(await stores[2]!.pruneDays(100)).toBeGreaterThanOrEqual(2);
      expect(await stores[2]!.read(id, ['life', 'd98', 'd99', 'd100'])).toEqual([
        { adId: id, period: 'life', granted: 5, served: 0 },
        { adId: id, period: 'd98', granted: 0, served: 0 },
        { adId: id, period: 'd99', granted: 0, served: 0 },
        { adId: id, period: 'd100', granted: 3, served: 0 },
      ]);
    });

    it('goals up to 10^12 are exact', async () => {
      const id = ad();
      expect((await stores[0]!.grant(id, ['life'], [1e12], 1e12 - 1)).granted).toEqual([1e12 - 1]);
      expect(await stores[0]!.grant(id, ['life'], [1e12], 5)).toEqual({ got: 1, granted: [1e12] });
    });
  });
}
