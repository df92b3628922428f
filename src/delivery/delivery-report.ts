/**
 * The delivery report of one ad (`GET /api/v1/ad/<id>/delivery`): served decisions (the budget
 * store's counts plus this process's not yet stored ones), counted impressions and clicks (as in
 * the ad's stats), goals, what remains of them, and where the ad stands against its pacing line.
 * `reportOf` is pure; `createDeliveryReports` gathers its inputs.
 */
import { deliveryOf, statusAt, type Ad, type AdStatus } from '../model/ad.js';
import type { Goals, Pacing } from '../model/delivery.js';
import { LIFETIME, dayKey, expectedByNow, pacingPeriod, utcDayOf } from './budget.js';
import type { BudgetStore } from './budget-store.js';
import type { AdCounts } from './goal-checks.js';
import type { Reservations } from './reservations.js';

export type PacingState = 'ahead' | 'on_track' | 'behind' | 'done' | 'none';

export interface DeliveryReport {
  readonly id: string;
  readonly asOf: number;
  readonly status: AdStatus;
  readonly served: { readonly total: number; readonly today: number };
  readonly impressions: { readonly total: number; readonly today: number };
  readonly clicks: { readonly total: number; readonly today: number };
  readonly goals: Goals;
  readonly remaining: Goals;
  readonly pacing: {
    readonly mode: Pacing;
    readonly periodStart: number;
    readonly periodEnd: number;
    /** `ceil(goal × (t − p0) / (p1 − p0))` of the paced goal; `null` without even pacing. */
    readonly expectedByNow: number | null;
    readonly state: PacingState;
  };
  readonly completedAt: number | null;
}

/** Within this share of `expectedByNow` the ad is `on_track`. */
const ON_TRACK = 0.05;

const left = (goal: number | null, done: number): number | null =>
  goal === null ? null : Math.max(0, goal - done);

export function reportOf(
  ad: Ad,
  now: number,
  served: { total: number; today: number },
  counts: AdCounts,
): DeliveryReport {
  const { goals, pacing } = deliveryOf(ad);
  const status = statusAt(ad, now);
  const remaining: Goals = {
    impressions: left(goals.impressions, served.total),
    clicks: left(goals.clicks, counts.clicks.total),
    dailyImpressions: left(goals.dailyImpressions, served.today),
    dailyClicks: left(goals.dailyClicks, counts.clicks.today),
  };
  const daily = goals.dailyImpressions !== null;
  const paced = daily ? goals.dailyImpressions : goals.impressions;
  const period = pacingPeriod({ ...ad, goals, pacing }, now);
  const met =
    status === 'completed' ||
    (goals.impressions !== null && served.total >= goals.impressions) ||
    (goals.clicks !== null && counts.clicks.total >= goals.clicks);
  let expected: number | null = null;
  let state: PacingState = met ? 'done' : 'none';
  if (pacing === 'even' && paced !== null) {
    const inPeriod = daily ? served.today : served.total;
    expected = expectedByNow(paced, period.start, period.end, now);
    if (!met) {
      if (inPeriod >= paced) state = 'done';
      else if (Math.abs(inPeriod - expected) <= ON_TRACK * expected) state = 'on_track';
      else state = inPeriod > expected ? 'ahead' : 'behind';
    }
  }
  return {
    id: ad.id,
    asOf: now,
    status,
    served,
    impressions: counts.impressions,
    clicks: counts.clicks,
    goals,
    remaining,
    pacing: {
      mode: pacing,
      periodStart: period.start,
      periodEnd: period.end,
      expectedByNow: expected,
      state,
    },
    completedAt: ad.completedAt ?? null,
  };
}

export interface DeliveryReportsDeps {
  readonly get: (id: string) => Promise<Ad | undefined>;
  readonly budgets: BudgetStore;
  readonly reservations: Pick<Reservations, 'unflushed'>;
  readonly counts: (ad: Ad, now: number) => Promise<AdCounts>;
  readonly now: () => number;
}

/** The report of `id`, or `undefined` for an unknown (or deleted) ad. */
export function createDeliveryReports(deps: DeliveryReportsDeps) {
  return async (id: string): Promise<DeliveryReport | undefined> => {
    const ad = await deps.get(id);
    if (!ad) return undefined;
    const now = deps.now();
    const today = dayKey(utcDayOf(now));
    const [rows, counts] = await Promise.all([
      deps.budgets.read(id, [LIFETIME, today]),
      deps.counts(ad, now),
    ]);
    const served = {
      total: rows[0]!.served + deps.reservations.unflushed(id, LIFETIME),
      today: rows[1]!.served + deps.reservations.unflushed(id, today),
    };
    return reportOf(ad, now, served, counts);
  };
}

export type DeliveryReports = ReturnType<typeof createDeliveryReports>;
