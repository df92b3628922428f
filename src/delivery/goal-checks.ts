/**
 * The goals decisions cannot see in their own budgets: click goals (counted by tracking, on any
 * replica) and a goal changed by a PUT. Every `intervalMs` this process reads the click counts of
 * the active ads with a click goal: a lifetime `clicks` goal reached completes the ad (a log
 * entry, so every replica drops it at the same point); a `dailyClicks` goal reached holds the ad
 * back from decisions until the next UTC day. Clicks reach the store within `FLUSH_INTERVAL_MS`
 * (at most 10 s) of being counted, so an ad stops within that plus `intervalMs` (2 s) of its
 * goal's click.
 *
 * After a PUT, the new version is completed at once when its lifetime goals are already met
 * (impressions served, or clicks counted, at or above the new goal).
 */
import { deliveryOf, type Ad } from '../model/ad.js';
import type { AdsService } from '../service/ads-service.js';
import { LIFETIME, utcDayOf } from './budget.js';
import type { BudgetStore } from './budget-store.js';
import type { Reservations } from './reservations.js';

export const CLICK_CHECK_MS = 2000;

/** An ad's counted impressions and clicks, over its life and in the current UTC day. */
export interface AdCounts {
  readonly impressions: { readonly total: number; readonly today: number };
  readonly clicks: { readonly total: number; readonly today: number };
}

export interface GoalChecksDeps {
  readonly service: Pick<AdsService, 'query' | 'complete'>;
  readonly budgets: BudgetStore;
  readonly reservations: Reservations;
  readonly counts: (ad: Ad, now: number) => Promise<AdCounts>;
  readonly now: () => number;
  readonly intervalMs?: number | undefined;
  readonly onError?: ((err: unknown, what: string) => void) | undefined;
}

export interface GoalChecks {
  /** Whether `ad` is held back from decisions at `now` (its daily clicks goal is met today). */
  heldBack(ad: Ad, now: number): boolean;
  /** Completes `ad` (a version just written) when its lifetime goals are met already. */
  afterUpdate(ad: Ad): Promise<void>;
  /** One pass over the ads with click goals (the timer runs it every `intervalMs`). */
  check(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

const ALL = Number.MAX_SAFE_INTEGER;

export function createGoalChecks(deps: GoalChecksDeps): GoalChecks {
  const { service, budgets, reservations } = deps;
  /** adId → the UTC day its daily clicks goal was met. */
  const dailyMet = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const report = (what: string) => (err: unknown) => deps.onError?.(err, what);

  async function checkOne(ad: Ad, now: number): Promise<void> {
    const { goals } = deliveryOf(ad);
    const counts = await deps.counts(ad, now);
    if (goals.clicks !== null && counts.clicks.total >= goals.clicks) {
      await service.complete(ad.id, ad.version);
      return;
    }
    if (goals.dailyClicks !== null && counts.clicks.today >= goals.dailyClicks)
      dailyMet.set(ad.id, utcDayOf(now));
    else dailyMet.delete(ad.id);
  }

  async function check(): Promise<void> {
    const now = deps.now();
    const today = utcDayOf(now);
    for (const [id, day] of dailyMet) if (day !== today) dailyMet.delete(id);
    for (const ad of service.query({}, 0, ALL, now)) {
      const { goals } = deliveryOf(ad);
      if (goals.clicks === null && goals.dailyClicks === null) continue;
      await checkOne(ad, now).catch(report('click goal check'));
    }
  }

  return {
    heldBack(ad, now) {
      if (dailyMet.size === 0) return false;
      const day = dailyMet.get(ad.id);
      return day !== undefined && day === utcDayOf(now);
    },
    async afterUpdate(ad) {
      const { goals } = deliveryOf(ad);
      if (goals.impressions !== null) {
        await reservations.flush();
        const [life] = await budgets.read(ad.id, [LIFETIME]);
        const served = (life?.served ?? 0) + reservations.unflushed(ad.id, LIFETIME);
        if (served >= goals.impressions) return service.complete(ad.id, ad.version);
      }
      if (goals.clicks !== null || goals.dailyClicks !== null) await checkOne(ad, deps.now());
    },
    check,
    start() {
      timer = setInterval(() => {
        if (running) return;
        running = check()
          .catch(report('click goal check'))
          .finally(() => (running = undefined));
      }, deps.intervalMs ?? CLICK_CHECK_MS);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

const DAY_MS = 86_400_000;
/** Events may be dated up to 72 hours back: an ad's counts can start that long before it was made. */
const EVENTS_BACK_MS = 72 * 3_600_000;

/** An ad's counts from tracking's daily sums: every UTC day since it could first be counted. */
export async function countsFromHistory(
  history: (
    adId: string,
    from: number,
    to: number,
    by: 'day',
  ) => Promise<{ items: readonly { impressions: number; clicks: number }[] }>,
  ad: Ad,
  now: number,
): Promise<AdCounts> {
  const from = Math.floor((Math.min(ad.createdAt, ad.startAt) - EVENTS_BACK_MS) / DAY_MS) * DAY_MS;
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const { items } = await history(ad.id, Math.min(from, today), today + DAY_MS, 'day');
  const total = { impressions: 0, clicks: 0 };
  for (const item of items) {
    total.impressions += item.impressions;
    total.clicks += item.clicks;
  }
  const last = items.at(-1) ?? { impressions: 0, clicks: 0 };
  return {
    impressions: { total: total.impressions, today: last.impressions },
    clicks: { total: total.clicks, today: last.clicks },
  };
}
