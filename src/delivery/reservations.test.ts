import { describe, expect, it } from 'vitest';
import { makeAd, T0 } from '../../test/support/ads.js';
import type { Ad } from '../model/ad.js';
import { DEFAULT_DELIVERY, NO_GOALS } from '../model/delivery.js';
import type { BudgetStore } from './budget-store.js';
import { createMemoryBudgetStore } from './memory-budget-store.js';
import { createReservations, type ReservationsDeps } from './reservations.js';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 1));
const withGoal = (impressions: number, over: Partial<Ad> = {}): Ad =>
  makeAd({
    startAt: T0,
    endAt: T0 + 86_400_000,
    delivery: { ...DEFAULT_DELIVERY, goals: { ...NO_GOALS, impressions } },
    ...over,
  });

function setup(store: BudgetStore = createMemoryBudgetStore(), over: Partial<ReservationsDeps> = {}) {
  let now = T0 + 1000;
  const met: string[] = [];
  const r = createReservations({
    store,
    maxBlock: 4,
    flushMs: 3_600_000,
    now: () => now,
    onLifetimeGoalMet: (id, version) => {
      met.push(`${id}:${version}`);
      return Promise.resolve();
    },
    ...over,
  });
  return {
    r,
    met,
    store,
    advance: (ms: number) => (now += ms),
    now: () => now,
    /** Reserve and serve one of `ad`, letting a grant land first if none is held. */
    async serveOne(ad: Ad): Promise<boolean> {
      if (!r.reserve(ad, now)) {
        await tick();
        if (!r.reserve(ad, now)) return false;
      }
      r.served(ad, now);
      return true;
    },
  };
}

describe('reservations', () => {
  it('serves a goal exactly from blocks, then tells the goal was met once the served count is stored', async () => {
    const s = setup();
    const ad = withGoal(10);
    let n = 0;
    for (let i = 0; i < 30; i++) if (await s.serveOne(ad)) n++;
    expect(n).toBe(10);
    expect(s.r.held()).toBe(0);
    await s.r.flush();
    expect(s.met).toEqual([`${ad.id}:1`]);
    await s.r.stop();
  });

  it('a process that crashed holding a block: the others complete the ad 30 s after the goal was wholly granted', async () => {
    const store = createMemoryBudgetStore();
    const a = setup(store);
    const b = setup(store);
    const ad = withGoal(10);
    expect(await a.serveOne(ad)).toBe(true);
    await tick();
    // a holds what it was granted beyond its one serve, and "crashes".
    const lost = a.r.held();
    expect(lost).toBeGreaterThan(0);
    let n = 0;
    for (let i = 0; i < 20; i++) if (await b.serveOne(ad)) n++;
    expect(n).toBe(10 - 1 - lost);
    await b.r.flush();
    expect(b.met).toEqual([]);
    b.advance(29_000);
    await b.serveOne(ad);
    expect(b.met).toEqual([]);
    b.advance(2_000);
    await b.serveOne(ad);
    expect(b.met).toEqual([`${ad.id}:1`]);
    await b.r.stop();
    await a.r.stop();
  });

  it('a new version gives back what was left of the block; unreserve puts a serve back', async () => {
    const s = setup();
    const v1 = withGoal(100);
    expect(await s.serveOne(v1)).toBe(true);
    expect(s.r.reserve(v1, s.now())).toBe(true);
    s.r.unreserve(v1, s.now());
    expect(s.r.held()).toBe(3);
    const v2 = { ...v1, version: 2 };
    expect(s.r.reserve(v2, s.now())).toBe(false);
    await tick();
    expect((await s.store.read(v1.id, ['life']))[0]!.granted).toBe(1 + 4);
    await s.r.stop();
    // Stopping gives the unspent back and stores the served counts.
    expect(await s.store.read(v1.id, ['life'])).toEqual([
      { adId: v1.id, period: 'life', granted: 1, served: 1 },
    ]);
  });

  it('while the store fails, only what is held is served; grants are asked again after a second', async () => {
    const inner = createMemoryBudgetStore();
    let down = false;
    const store: BudgetStore = {
      ...inner,
      grant: (...args) => (down ? Promise.reject(new Error('down')) : inner.grant(...args)),
    };
    const s = setup(store);
    const ad = withGoal(1000);
    expect(await s.serveOne(ad)).toBe(true);
    down = true;
    let n = 0;
    for (let i = 0; i < 10; i++) if (await s.serveOne(ad)) n++;
    expect(n).toBe(3);
    down = false;
    expect(await s.serveOne(ad)).toBe(false);
    s.advance(1000);
    expect(await s.serveOne(ad)).toBe(true);
    await s.r.stop();
  });

  it('ads without an impressions goal are always reserved, and their serves counted', async () => {
    const store = createMemoryBudgetStore();
    const s = setup(store);
    const ad = makeAd();
    for (let i = 0; i < 5; i++) expect(await s.serveOne(ad)).toBe(true);
    expect(s.r.unflushed(ad.id, 'life')).toBe(5);
    await s.r.flush();
    expect((await s.store.read(ad.id, ['life']))[0]!.served).toBe(5);
    expect(store.calls()).toBe(2);
    await s.r.stop();
  });
});
