import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '../../test/support/property-runs.js';
import type { Goals, Pacing } from '../model/delivery.js';
import {
  DAY_MS,
  LIFETIME,
  blockSize,
  budgetsAt,
  dayKey,
  expectedByNow,
  grantFrom,
  nextAllowedAt,
  paceLine,
  type BudgetedAd,
} from './budget.js';

const T0 = Date.UTC(2026, 11, 10, 0, 0, 0);
const HOUR = 3_600_000;

const goals = (over: Partial<Goals>): Goals => ({
  impressions: null,
  clicks: null,
  dailyImpressions: null,
  dailyClicks: null,
  ...over,
});

/** The contract's bound, in plain arithmetic (small numbers only). */
const contractLine = (goal: number, p0: number, p1: number, t: number) =>
  Math.ceil((goal * (t - p0)) / (p1 - p0)) + Math.max(1, Math.ceil(goal / 100));

describe('budget arithmetic', () => {
  it('the pacing line is the contract bound, capped at the goal, exact for huge goals', () => {
    expect(paceLine(1000, 0, 1000, 0)).toBe(10);
    expect(paceLine(1000, 0, 1000, 1)).toBe(11);
    expect(paceLine(1000, 0, 1000, 500)).toBe(510);
    expect(paceLine(1000, 0, 1000, 999)).toBe(1000);
    expect(paceLine(10, 0, 1000, 1)).toBe(2);
    expect(expectedByNow(1e12, 0, 3e11, 3e11 - 1)).toBe(1e12 - 3);
    expect(expectedByNow(1e12, 0, 3e11, 1)).toBe(4);
  });

  it('lifetime and daily budgets; even pacing on the daily one when there is one', () => {
    const ad: BudgetedAd = {
      startAt: T0 + 6 * HOUR,
      endAt: T0 + 10 * DAY_MS,
      goals: goals({ impressions: 1000, dailyImpressions: 100 }),
      pacing: 'even',
    };
    const now = T0 + 12 * HOUR;
    const [life, day] = budgetsAt(ad, now);
    expect(life).toMatchObject({ key: LIFETIME, goal: 1000, allowed: 1000, paced: undefined });
    // The first day's period starts at startAt (within the flight): 6 of 18 hours gone.
    expect(day).toMatchObject({ key: dayKey(Math.floor(now / DAY_MS)), goal: 100 });
    expect(day!.allowed).toBe(Math.ceil(100 / 3) + 1);
    expect(budgetsAt({ ...ad, goals: goals({}) }, now)).toEqual([]);
    // Daily rollover at UTC midnight: a new key.
    expect(budgetsAt(ad, T0 + DAY_MS - 1)[1]!.key).not.toBe(budgetsAt(ad, T0 + DAY_MS)[1]!.key);
  });

  it('a grant takes at most what every budget has left', () => {
    expect(grantFrom([0, 5], [100, 10], 20)).toBe(5);
    expect(grantFrom([100], [100], 3)).toBe(0);
    expect(grantFrom([120], [100], 3)).toBe(0);
    expect(grantFrom([], [], 7)).toBe(7);
  });

  it('blocks shrink as the budget runs out and never hold more than the block size', () => {
    expect(blockSize(1000, 0, 100)).toBe(100);
    expect(blockSize(500, 0, 100)).toBe(50);
    expect(blockSize(9, 0, 100)).toBe(1);
    expect(blockSize(1000, 80, 100)).toBe(20);
    expect(blockSize(1000, 100, 100)).toBe(0);
  });

  it('nextAllowedAt is the first time the line allows one more', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1000, max: 10 * DAY_MS }),
        fc.integer({ min: 0, max: 100_000 }),
        (goal, len, granted) => {
          const at = nextAllowedAt(goal, { start: 0, end: len }, granted, 0);
          if (granted >= goal) {
            expect(at).toBeUndefined();
            return;
          }
          expect(at).toBeDefined();
          if (at! < len) expect(paceLine(goal, 0, len, at!)).toBeGreaterThan(granted);
          if (at! > 0) expect(paceLine(goal, 0, len, at! - 1)).toBeLessThanOrEqual(granted);
        },
      ),
      { numRuns: propertyRuns(300) },
    );
  });
});

/**
 * A model of the cluster: replicas hold blocks taken from the store's rows by `grantFrom`;
 * decisions spend them; a replica may crash (its block is lost); a PUT changes the goals (every
 * replica gives its block back). The reference: served counts per period, checked at every
 * serve against the goal and the contract's pacing line.
 */
type Op =
  | { readonly kind: 'decide'; readonly replica: number; readonly advance: number }
  | { readonly kind: 'crash'; readonly replica: number }
  | { readonly kind: 'put'; readonly impressions: number | null; readonly daily: number | null };

const opArb = (replicas: number): fc.Arbitrary<Op> =>
  fc.oneof(
    {
      weight: 30,
      arbitrary: fc.record({
        kind: fc.constant('decide' as const),
        replica: fc.nat(replicas - 1),
        advance: fc.nat(2 * HOUR),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('crash' as const), replica: fc.nat(replicas - 1) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('put' as const),
        impressions: fc.option(fc.integer({ min: 1, max: 400 }), { nil: null }),
        daily: fc.option(fc.integer({ min: 1, max: 60 }), { nil: null }),
      }),
    },
  );

interface Held {
  keys: string[];
  left: number;
}

function simulate(pacing: Pacing, first: Goals, ops: readonly Op[], maxBlock: number, replicas: number) {
  let ad: BudgetedAd = { startAt: T0, endAt: T0 + 5 * DAY_MS, goals: first, pacing };
  const granted = new Map<string, number>();
  const served = new Map<string, number>();
  const held: (Held | undefined)[] = new Array<Held | undefined>(replicas).fill(undefined);
  let now = T0;
  const giveBack = (r: number) => {
    const h = held[r];
    if (h) for (const k of h.keys) granted.set(k, granted.get(k)! - h.left);
    held[r] = undefined;
  };
  for (const op of ops) {
    if (op.kind === 'crash') {
      held[op.replica] = undefined;
      continue;
    }
    if (op.kind === 'put') {
      const g = goals({ impressions: op.impressions, dailyImpressions: op.daily });
      if (pacing === 'even' && g.impressions === null && g.dailyImpressions === null) continue;
      for (let r = 0; r < replicas; r++) giveBack(r);
      ad = { ...ad, goals: g };
      continue;
    }
    now = Math.min(ad.endAt - 1, now + op.advance);
    const budgets = budgetsAt(ad, now);
    const keys = budgets.map((b) => b.key);
    let h = held[op.replica];
    if (h && h.keys.join() !== keys.join()) {
      giveBack(op.replica);
      h = undefined;
    }
    if (!h || h.left === 0) {
      const rows = keys.map((k) => granted.get(k) ?? 0);
      const remaining = Math.min(...budgets.map((b, i) => b.allowed - rows[i]!));
      const got = grantFrom(
        rows,
        budgets.map((b) => b.allowed),
        blockSize(remaining, h?.left ?? 0, maxBlock),
      );
      keys.forEach((k, i) => granted.set(k, rows[i]! + got));
      h = { keys, left: (h?.left ?? 0) + got };
      held[op.replica] = h;
    }
    if (h.left === 0) continue;
    h.left--;
    for (const b of budgets) {
      const n = (served.get(b.key) ?? 0) + 1;
      served.set(b.key, n);
      expect(n).toBeLessThanOrEqual(b.goal);
      if (b.paced) expect(n).toBeLessThanOrEqual(contractLine(b.goal, b.paced.start, b.paced.end, now));
    }
  }
  return { served, granted, ad };
}

const goalsArb = fc.record({
  impressions: fc.option(fc.integer({ min: 1, max: 400 }), { nil: null }),
  daily: fc.option(fc.integer({ min: 1, max: 60 }), { nil: null }),
});

describe('reservations against a model of the cluster', () => {
  it('never serve past a goal, a daily goal or the pacing line, through crashes and PUTs', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Pacing>('asap', 'even'),
        goalsArb,
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(opArb(3), { maxLength: 400 }),
        (pacing, g, replicas, maxBlock, ops) => {
          if (pacing === 'even' && g.impressions === null && g.daily === null) g = { ...g, impressions: 100 };
          const valid = ops.map((op) =>
            op.kind === 'put' || op.replica < replicas ? op : { ...op, replica: 0 },
          );
          simulate(
            pacing,
            goals({ impressions: g.impressions, dailyImpressions: g.daily }),
            valid,
            maxBlock,
            replicas,
          );
        },
      ),
      { numRuns: propertyRuns(300) },
    );
  });

  it('without crashes and with traffic enough, the lifetime goal is served exactly', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 100 }),
        (goal, replicas, maxBlock) => {
          const ops: Op[] = [];
          // Round robin: every replica runs dry, then the ad is left alone by none.
          for (let i = 0; i < goal + replicas * (maxBlock + 2) * 4; i++) {
            ops.push({ kind: 'decide', replica: i % replicas, advance: 0 });
          }
          // Blocks given back at the end (a replica running dry spends its last one).
          const { served } = simulate('asap', goals({ impressions: goal }), ops, maxBlock, replicas);
          expect(served.get(LIFETIME)).toBe(goal);
        },
      ),
      { numRuns: propertyRuns(100) },
    );
  });

  it('a daily goal resumes the next UTC day; even pacing serves a day’s goal by its end', () => {
    const ops: Op[] = [];
    for (let i = 0; i < 3000; i++) ops.push({ kind: 'decide', replica: i % 2, advance: 60_000 });
    const { served } = simulate('even', goals({ dailyImpressions: 40 }), ops, 10, 2);
    const day0 = Math.floor(T0 / DAY_MS);
    expect(served.get(dayKey(day0))).toBe(40);
    expect(served.get(dayKey(day0 + 1))).toBe(40);
  });

  it('a PUT raising the goal lets serving go on; lowering it below what was served stops it', () => {
    const decide = (n: number): Op[] =>
      Array.from({ length: n }, (_, i) => ({ kind: 'decide', replica: i % 2, advance: 0 }));
    const raised = simulate(
      'asap',
      goals({ impressions: 10 }),
      [...decide(30), { kind: 'put', impressions: 25, daily: null }, ...decide(60)],
      5,
      2,
    );
    expect(raised.served.get(LIFETIME)).toBe(25);
    const lowered = simulate(
      'asap',
      goals({ impressions: 100 }),
      [...decide(30), { kind: 'put', impressions: 20, daily: null }, ...decide(60)],
      5,
      2,
    );
    expect(lowered.served.get(LIFETIME)).toBe(30);
  });
});
