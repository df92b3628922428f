import { afterEach, describe, expect, it } from 'vitest';
import type { BudgetStore } from '../../src/delivery/budget-store.js';
import { createMemoryBudgetStore } from '../../src/delivery/memory-budget-store.js';
import { FIRST_GRANT_WAIT_MS } from '../../src/delivery/reservations.js';
import { DEFAULT_DELIVERY, NO_GOALS, type Goals } from '../../src/model/delivery.js';
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
    pruneDays: (day: number) => store.pruneDays(day),
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

  it('the first decision that meets an ad with a goal waits for its first block instead of leaving it out', async () => {
    const a = await start({ config: { RESERVATION_BLOCK: 10 } });
    const id = await a.createAd({ delivery: { goals: goals({ impressions: 3 }) } });
    for (let i = 0; i < 3; i++) expect(await a.chosen({})).toEqual([id]);
    expect(await a.chosen({}), 'the goal of 3 is served').toEqual([]);
  });

  it('a budget store that does not answer holds the first decisions back once, for at most FIRST_GRANT_WAIT_MS', async () => {
    const store = createMemoryBudgetStore();
    let hang = true;
    const hanging: BudgetStore = {
      ...store,
      grant: (...args) => (hang ? new Promise(() => {}) : store.grant(...args)),
    };
    const a = await start({ budgetStore: hanging, config: { RESERVATION_BLOCK: 10 } });
    const other = await a.createAd({ delivery: { priority: 2 } });
    await a.createAd({ delivery: { goals: goals({ impressions: 100 }), priority: 1 } });
    const started = performance.now();
    const first = await Promise.all([a.chosen({}), a.chosen({})]);
    const waited = performance.now() - started;
    expect(first).toEqual([[other], [other]]);
    expect(waited).toBeGreaterThanOrEqual(FIRST_GRANT_WAIT_MS - 5);
    // The wait is spent: later decisions go on without it while the grant still hangs.
    const t = performance.now();
    for (let i = 0; i < 5; i++) expect(await a.chosen({})).toEqual([other]);
    expect(performance.now() - t, 'five decisions, none waiting').toBeLessThan(5 * FIRST_GRANT_WAIT_MS);
    hang = false;
  });

  it('while the budget store is unreachable, only what was already reserved is served', async () => {
    const store = failing(createMemoryBudgetStore());
    const a = await start({ budgetStore: store, config: { RESERVATION_BLOCK: 10 } });
    const id = await a.createAd({ delivery: { goals: goals({ impressions: 1000 }) } });
    await serveMany(a, 3);
    const [before] = await store.read(id, ['life']);
    store.down = true;
    const during = (await serveMany(a, 50)).get(id) ?? 0;
    expect(3 + during).toBeLessThanOrEqual(before!.granted);
    expect(during).toBeGreaterThan(0);
    store.down = false;
    a.clock.advance(1100);
    expect((await serveMany(a, 20)).get(id)).toBeGreaterThanOrEqual(19);
  });

  it('a PUT raising the goal lets the ad go on', async () => {
    const a = await start({ config: { RESERVATION_BLOCK: 5 } });
    const input = (impressions: number) => ({
      title: 'G',
      startAt: a.clock.now() - HOUR,
      endAt: a.clock.now() + DAY,
      conditions: [],
      delivery: { ...DEFAULT_DELIVERY, goals: goals({ impressions }) },
    });
    const { ad } = await a.service.create(input(10));
    expect((await serveMany(a, 30)).get(ad.id)).toBe(10);
    await a.service.update(ad.id, input(17));
    expect((await serveMany(a, 30)).get(ad.id)).toBe(7);
  });
});

const iso = (ms: number) => new Date(ms).toISOString();
async function statusOf(a: DecisionsApp, id: string): Promise<{ status: string; version: number }> {
  const res = await a.t.app.request(`/api/v1/ad/${id}`);
  return (await res.json()) as { status: string; version: number };
}
async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('completion', () => {
  const body = (a: DecisionsApp, g: Partial<Goals>) => ({
    title: 'G',
    startAt: iso(a.clock.now() - HOUR),
    endAt: iso(a.clock.now() + DAY),
    delivery: { goals: g },
  });
  const put = (a: DecisionsApp, id: string, g: Partial<Goals>) =>
    a.t.app.request(`/api/v1/ad/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body(a, g)),
    });

  it('an ad whose lifetime goal was served is completed: out of the public query, in the completed listing', async () => {
    const a = await start({ config: { RESERVATION_BLOCK: 4 } });
    const id = await a.createAd({ delivery: { goals: goals({ impressions: 12 }) } });
    expect((await serveMany(a, 40)).get(id)).toBe(12);
    expect(
      (
        await until(
          () => statusOf(a, id),
          (s) => s.status === 'completed',
          3000,
        )
      ).status,
    ).toBe('completed');
    const page = (await (await fetch(`${a.url}/api/v1/ad`)).json()) as { items: unknown[] };
    expect(page.items).toEqual([]);
    const listed = (await (await a.t.app.request('/api/v1/admin/ads?status=completed')).json()) as {
      items: { id: string; status: string }[];
    };
    expect(listed.items.map((i) => [i.id, i.status])).toEqual([[id, 'completed']]);
    const active = (await (await a.t.app.request('/api/v1/admin/ads?status=active')).json()) as {
      items: unknown[];
    };
    expect(active.items).toEqual([]);
  });

  it('a PUT raising the goal resumes it (a new version); lowering it to what was served completes it', async () => {
    const a = await start({ config: { RESERVATION_BLOCK: 4 } });
    const id = await a.createAd({ delivery: { goals: goals({ impressions: 6 }) } });
    expect((await serveMany(a, 20)).get(id)).toBe(6);
    await until(
      () => statusOf(a, id),
      (s) => s.status === 'completed',
      3000,
    );
    expect((await put(a, id, { impressions: 10 })).status).toBe(200);
    expect(await statusOf(a, id)).toMatchObject({ status: 'active', version: 2 });
    expect((await serveMany(a, 20)).get(id)).toBe(4);
    expect(
      (
        await until(
          () => statusOf(a, id),
          (s) => s.status === 'completed',
          3000,
        )
      ).version,
    ).toBe(2);
    // Raised, then lowered to what was served: completed before the PUT is answered.
    expect((await put(a, id, { impressions: 50 })).status).toBe(200);
    expect((await serveMany(a, 3)).get(id)).toBeGreaterThan(0);
    expect((await put(a, id, { impressions: 5 })).status).toBe(200);
    expect(await statusOf(a, id)).toMatchObject({ status: 'completed', version: 4 });
    expect((await serveMany(a, 5)).get(id)).toBeUndefined();
  });

  it('a clicks goal completes the ad within 15 s of its click being counted', async () => {
    const a = await start();
    const id = await a.createAd({ delivery: { goals: goals({ clicks: 2 }) } });
    const events = (n: number) =>
      fetch(`${a.url}/api/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([{ type: 'click', adId: id, count: n }]),
      });
    expect((await events(1)).status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await statusOf(a, id)).status).toBe('active');
    expect((await events(1)).status).toBe(202);
    const counted = Date.now();
    await until(
      () => statusOf(a, id),
      (s) => s.status === 'completed',
      15_000,
    );
    expect((await statusOf(a, id)).status).toBe('completed');
    expect(Date.now() - counted).toBeLessThan(15_000);
    expect(await a.chosen({})).toEqual([]);
  });

  it('a daily clicks goal holds the ad back for the rest of the UTC day', async () => {
    const a = await start();
    const id = await a.createAd({
      endAt: a.clock.now() + 5 * DAY,
      delivery: { goals: goals({ dailyClicks: 1 }) },
    });
    expect(await a.chosen({})).toEqual([id]);
    await fetch(`${a.url}/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ type: 'click', adId: id }]),
    });
    expect(
      await until(
        () => a.chosen({}),
        (ids) => ids.length === 0,
        5000,
      ),
    ).toEqual([]);
    expect((await statusOf(a, id)).status).toBe('active');
    a.clock.set(Math.floor(a.clock.now() / DAY + 1) * DAY);
    expect(await a.chosen({})).toEqual([id]);
  });
});

describe('GET /api/v1/ad/<id>/delivery', () => {
  it('answers served, counted, goals, remaining and pacing as the contract shows', async () => {
    const a = await start({ config: { RESERVATION_BLOCK: 5 } });
    const now = a.clock.now();
    const dayStart = Math.floor(now / DAY) * DAY;
    const { ad } = await a.service.create({
      title: 'R',
      startAt: dayStart,
      endAt: dayStart + 10 * DAY,
      conditions: [],
      delivery: {
        priority: 50,
        weight: 1,
        pacing: 'even',
        frequencyCaps: [],
        goals: goals({ impressions: 100_000, dailyImpressions: 50, clicks: 7 }),
      },
    });
    const served = (await serveMany(a, 30)).get(ad.id) ?? 0;
    expect(served).toBeGreaterThan(0);
    await fetch(`${a.url}/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { type: 'impression', adId: ad.id, count: 4 },
        { type: 'click', adId: ad.id, count: 2 },
      ]),
    });
    const res = await a.t.app.request(`/api/v1/ad/${ad.id}/delivery`);
    expect(res.status).toBe(200);
    const expected = Math.ceil((50 * (now - dayStart)) / DAY);
    expect(await res.json()).toEqual({
      id: ad.id,
      asOf: iso(now),
      status: 'active',
      served: { total: served, today: served },
      impressions: { total: 4, today: 4 },
      clicks: { total: 2, today: 2 },
      goals: { impressions: 100_000, clicks: 7, dailyImpressions: 50, dailyClicks: null },
      remaining: {
        impressions: 100_000 - served,
        clicks: 5,
        dailyImpressions: 50 - served,
        dailyClicks: null,
      },
      pacing: {
        mode: 'even',
        periodStart: iso(dayStart),
        periodEnd: iso(dayStart + DAY),
        expectedByNow: expected,
        state:
          Math.abs(served - expected) <= 0.05 * expected
            ? 'on_track'
            : served > expected
              ? 'ahead'
              : 'behind',
      },
      completedAt: null,
    });
  });

  it('asap: state none, then done with completedAt once the goal is served; 404 for an unknown ad; 405', async () => {
    const a = await start({ config: { RESERVATION_BLOCK: 5 } });
    const id = await a.createAd({ delivery: { goals: goals({ impressions: 3 }) } });
    const report = async () =>
      (await (await a.t.app.request(`/api/v1/ad/${id}/delivery`)).json()) as {
        pacing: { state: string; expectedByNow: unknown };
        completedAt: string | null;
        status: string;
      };
    expect((await report()).pacing).toMatchObject({ state: 'none', expectedByNow: null });
    await serveMany(a, 10);
    const done = await until(report, (r) => r.status === 'completed', 3000);
    expect(done.pacing.state).toBe('done');
    expect(done.completedAt).toBe(iso(a.clock.now()));
    expect((await a.t.app.request('/api/v1/ad/nope/delivery')).status).toBe(404);
    expect((await a.t.app.request(`/api/v1/ad/${id}/delivery`, { method: 'POST' })).status).toBe(405);
  });

  it('needs the admin token when one is set', async () => {
    const a = await start({ adminToken: 'admin-token-1234' });
    const id = await a.createAd();
    expect((await a.t.app.request(`/api/v1/ad/${id}/delivery`)).status).toBe(401);
    const ok = await a.t.app.request(`/api/v1/ad/${id}/delivery`, {
      headers: { authorization: 'Bearer admin-token-1234' },
    });
    expect(ok.status).toBe(200);
  });
});
