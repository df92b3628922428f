import { afterEach, describe, expect, it } from 'vitest';
import type { BudgetStore } from '../../src/delivery/budget-store.js';
import { createMemoryBudgetStore } from '../../src/delivery/memory-budget-store.js';
import { NO_GOALS, type Goals } from '../../src/model/delivery.js';
import { startDecisionsApp, type DecisionsApp, type DecisionsAppOptions } from '../support/decisions-app.js';

let app: DecisionsApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});
const start = async (opts: DecisionsAppOptions = {}) => (app = await startDecisionsApp(opts));

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Lets background grants (one store call each) land. */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 2));
const goals = (over: Partial<Goals>): Goals => ({ ...NO_GOALS, ...over });

/** `n` decisions of one ad each, one after another, grants allowed to land between them. */
async function serveMany(a: DecisionsApp, n: number, body: unknown = {}): Promise<Map<string, number>> {
  const served = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    for (const id of await a.chosen(body)) served.set(id, (served.get(id) ?? 0) + 1);
    await settle();
  }
  return served;
}

/** A budget store whose calls fail while `down` is set. */
function failing(store: BudgetStore): BudgetStore & { down: boolean } {
  const wrapped = {
    down: false,
    grant: (...args: Parameters<BudgetStore['grant']>) =>
      wrapped.down ? Promise.reject(new Error('store unreachable')) : store.grant(...args),
    release: (...args: Parameters<BudgetStore['release']>) =>
      wrapped.down ? Promise.reject(new Error('store unreachable')) : store.release(...args),
    addServed: (...args: Parameters<BudgetStore['addServed']>) =>
      wrapped.down ? Promise.reject(new Error('store unreachable')) : store.addServed(...args),
    read: (...args: Parameters<BudgetStore['read']>) => store.read(...args),
    close: () => store.close(),
  };
  return wrapped;
}

describe('decisions within impressions goals', () => {
  it('a lifetime goal is served exactly, never more; other ads go on', async () => {
    const a = await start({ config: { RESERVATION_BLOCK: 4 } });
    const goal = await a.createAd({ delivery: { goals: goals({ impressions: 25 }), priority: 1 } });
    const other = await a.createAd({ delivery: { priority: 2 } });
    const served = await serveMany(a, 120);
    expect(served.get(goal)).toBe(25);
    // While the goal ad had no block yet (or none left), the next priority was chosen instead.
    expect(served.get(other)).toBe(120 - 25);
  });

  it('concurrent decisions never pass the goal', async () => {
    const a = await start({ config: { RESERVATION_BLOCK: 7 } });
    const goal = await a.createAd({ delivery: { goals: goals({ impressions: 40 }) } });
    let n = 0;
    for (let round = 0; round < 30; round++) {
      const answers = await Promise.all(Array.from({ length: 20 }, () => a.chosen({})));
      n += answers.flat().filter((id) => id === goal).length;
      await settle();
    }
    expect(n).toBe(40);
  });

  it('a daily goal stops the day and resumes the next UTC day', async () => {
    const a = await start({ config: { RESERVATION_BLOCK: 3 } });
    const id = await a.createAd({
      endAt: a.clock.now() + 5 * DAY,
      delivery: { goals: goals({ dailyImpressions: 5 }) },
    });
    expect((await serveMany(a, 30)).get(id)).toBe(5);
    a.clock.set(Math.floor(a.clock.now() / DAY + 1) * DAY);
    expect((await serveMany(a, 30)).get(id)).toBe(5);
  });

  it('even pacing: served in the period never above the contract line, checked at every decision', async () => {
    const a = await start({ config: { RESERVATION_BLOCK: 10 } });
    const p0 = a.clock.now();
    const p1 = p0 + 10 * HOUR;
    const goal = 300;
    const id = await a.createAd({
      startAt: p0,
      endAt: p1,
      delivery: { goals: goals({ impressions: goal }), pacing: 'even' },
    });
    let served = 0;
    while (a.clock.now() < p1 - 120_000) {
      for (let i = 0; i < 5; i++) {
        const t = a.clock.now();
        if ((await a.chosen({})).includes(id)) served++;
        expect(served).toBeLessThanOrEqual(
          Math.ceil((goal * (t - p0)) / (p1 - p0)) + Math.max(1, Math.ceil(goal / 100)),
        );
        await settle();
      }
      a.clock.advance(120_000);
    }
    // With traffic throughout, the goal is (nearly) served by the end, not in the first hour.
    expect(served).toBeGreaterThan(goal - 20);
  });

  it('while the budget store is unreachable, only what was already reserved is served', async () => {
    const store = failing(createMemoryBudgetStore());
    const a = await start({ budgetStore: store, config: { RESERVATION_BLOCK: 10 } });
    const id = await a.createAd({ delivery: { goals: goals({ impressions: 1000 }) } });
    await serveMany(a, 3);
    const [before] = await store.read(id, ['life']);
    store.down = true;
    const during = (await serveMany(a, 50)).get(id) ?? 0;
    const servedBefore = 3 - 1; // the first decision found no block yet
    expect(servedBefore + during).toBeLessThanOrEqual(before!.granted);
    expect(during).toBeGreaterThan(0);
    store.down = false;
    a.clock.advance(1100);
    expect((await serveMany(a, 20)).get(id)).toBeGreaterThanOrEqual(19);
  });

  it('a PUT raising the goal lets the ad go on', async () => {
    const a = await start({ config: { RESERVATION_BLOCK: 5 } });
    const input = { title: 'G', startAt: a.clock.now() - HOUR, endAt: a.clock.now() + DAY, conditions: [] };
    const { ad } = await a.service.create({
      ...input,
      delivery: {
        priority: 1,
        weight: 1,
        pacing: 'asap',
        frequencyCaps: [],
        goals: goals({ impressions: 10 }),
      },
    });
    expect((await serveMany(a, 30)).get(ad.id)).toBe(10);
    await a.service.update(ad.id, {
      ...input,
      delivery: {
        priority: 1,
        weight: 1,
        pacing: 'asap',
        frequencyCaps: [],
        goals: goals({ impressions: 17 }),
      },
    });
    expect((await serveMany(a, 30)).get(ad.id)).toBe(7);
  });
});
