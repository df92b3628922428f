/**
 * This process's share of the impressions budgets: per ad a block of serves granted by the
 * store (`BudgetStore.grant`, one round trip per block), spent from memory by decisions with no
 * round trip, and refilled in the background before it runs dry. While the store cannot be
 * reached, decisions spend only what is already held; an ad whose block is empty is left out.
 *
 * A block belongs to one version of an ad and one set of periods (`life`, the UTC day): a new
 * version (a PUT) or a new day drops it, and what was left of it is given back to the store.
 * This process never holds more than `maxBlock` unspent serves of an ad, so a crash (kill -9)
 * leaves at most that many granted and never served, per ad and process.
 *
 * Served decisions (of every ad, with a goal or not) are counted per ad and period and added to
 * the store every `flushMs`. When the store's served count of a lifetime goal reaches it, or the
 * goal has been wholly granted for `completeAfterMs` (a crashed process took the rest with it),
 * `onLifetimeGoalMet` is told, once per ad version: the caller appends the completion to the log.
 */
import { deliveryOf, type Ad } from '../model/ad.js';
import {
  LIFETIME,
  blockSize,
  budgetsAt,
  dayKey,
  hasBudget,
  nextAllowedAt,
  nextUtcDay,
  utcDayOf,
} from './budget.js';
import type { BudgetStore } from './budget-store.js';
import { createServedCounts } from './served-counts.js';

export const DEFAULT_MAX_BLOCK = 100;
export const SERVED_FLUSH_MS = 1000;
/** After a lifetime goal was wholly granted, how long the served count may lag before the ad completes anyway. */
export const COMPLETE_AFTER_MS = 30_000;
/**
 * Longest decisions wait for this process's first grant of an ad's block (one store round trip),
 * counted from when it was asked: an ad with a goal is not left out only because no decision
 * asked for it before, and a store that does not answer delays decisions by this much once.
 */
export const FIRST_GRANT_WAIT_MS = 100;
/** Wait after a failed grant before asking again. */
const RETRY_AFTER_FAILURE_MS = 1000;
/** Shortest wait between two empty grants of one ad. */
const MIN_RETRY_MS = 20;
/** An ad no decision asked for this long is forgotten (what is left of its block given back). */
export const FORGET_AFTER_MS = 600_000;
/** UTC days of budget rows kept in the store before today's (each process prunes hourly). */
export const KEEP_DAYS = 7;

export interface ReservationHooks {
  /** A grant answered: how many serves it asked for and got, or that it failed. */
  readonly granted?: (want: number, got: number) => void;
  readonly grantFailed?: (err: unknown) => void;
  /** Unspent serves given back to the store (a goal changed, a day ended). */
  readonly released?: (n: number) => void;
  /** A call to the budget store (grant, release, served counts). */
  readonly storeCall?: (kind: 'grant' | 'release' | 'served' | 'prune') => void;
}

export interface ReservationsDeps extends ReservationHooks {
  readonly store: BudgetStore;
  /** Most unspent serves this process holds per ad (the block size). */
  readonly maxBlock?: number | undefined;
  readonly flushMs?: number | undefined;
  readonly completeAfterMs?: number | undefined;
  /** The store's clock, as this process reads it. */
  readonly now: () => number;
  /** The lifetime impressions goal of `ad` (this version) is met. */
  readonly onLifetimeGoalMet?: ((adId: string, version: number) => Promise<void>) | undefined;
  readonly onError?: ((err: unknown, what: string) => void) | undefined;
}

interface Held {
  readonly version: number;
  /** The periods the block was granted from, joined with `,`. */
  readonly periods: string;
  left: number;
  refilling: boolean;
  /** No grant is asked before this time. */
  retryAt: number;
  /** What the budgets had left at the last answer (sizes the next block). */
  remaining: number;
  /** Size of the last block got: a refill is asked for once a quarter of it is left. */
  lastGot: number;
  /** When the lifetime goal was first seen wholly granted. */
  grantedOutSince?: number | undefined;
  /** The last time a decision asked for a serve of the ad. */
  usedAt: number;
  /** The first grant of this block while it may be waited for: resolves when it answers or at its deadline. */
  first?: Promise<void> | undefined;
}

export interface Reservations {
  /**
   * Takes one serve of `ad` at `now` from this process's block: true when the ad has no
   * impressions goal, or its block had one (now taken). False when it has none (a refill is
   * asked for in the background, if allowed).
   */
  reserve(ad: Ad, now: number): boolean;
  /**
   * While this process's first grant for `ad` (this version, these periods) is on its way and
   * younger than `FIRST_GRANT_WAIT_MS`: a promise of its answer (or of that deadline), so a
   * decision can wait for it instead of leaving out an ad it has never asked for. Undefined
   * otherwise: from then on only held serves count.
   */
  firstGrant(ad: Ad): Promise<void> | undefined;
  /** Puts back a serve `reserve` took for `ad` that was not served after all. */
  unreserve(ad: Ad, now: number): void;
  /** Counts a decision that included `ad` (every ad, with a goal or not). */
  served(ad: Ad, now: number): void;
  /** Served decisions of `adId` in `periods` not yet added to the store. */
  unflushed(adId: string, period: string): number;
  /** Unspent serves held, all ads together. */
  held(): number;
  /** Adds the served counts to the store now. */
  flush(): Promise<void>;
  /** Flushes a last time and stops the timer. */
  stop(): Promise<void>;
}

const periodsAt = (ad: Ad, now: number): string => {
  const { goals } = deliveryOf(ad);
  const day = goals.dailyImpressions !== null ? dayKey(utcDayOf(now)) : undefined;
  if (goals.impressions === null) return day ?? '';
  return day === undefined ? LIFETIME : `${LIFETIME},${day}`;
};

export function createReservations(deps: ReservationsDeps): Reservations {
  const { store } = deps;
  // Every decision counts its ads under the day's key: made once a day, not once an ad.
  let keyDay = NaN;
  let keyOfDay = '';
  const todayKey = (now: number): string => {
    const day = utcDayOf(now);
    if (day !== keyDay) {
      keyOfDay = dayKey(day);
      keyDay = day;
    }
    return keyOfDay;
  };
  const maxBlock = deps.maxBlock ?? DEFAULT_MAX_BLOCK;
  const completeAfterMs = deps.completeAfterMs ?? COMPLETE_AFTER_MS;
  const report = (what: string) => (err: unknown) => deps.onError?.(err, what);
  const blocks = new Map<string, Held>();
  /** adId → lifetime goal and version, for ads whose served count decides completion. */
  const lifeGoals = new Map<string, { goal: number; version: number }>();
  /** `${adId}:${version}` already told. */
  const told = new Set<string>();
  let stopped = false;

  const goalMet = (adId: string, version: number): void => {
    const key = `${adId}:${version}`;
    if (told.has(key)) return;
    told.add(key);
    // Told again (by the next flush or grant) when the completion could not be written.
    deps.onLifetimeGoalMet?.(adId, version).catch((err: unknown) => {
      told.delete(key);
      report('completion')(err);
    });
  };

  const servedCounts = createServedCounts({
    store,
    storeCall: () => deps.storeCall?.('served'),
    onError: report('served counts'),
    onTotals: (deltas, totals) =>
      deltas.forEach((d, i) => {
        const life = d.period === LIFETIME ? lifeGoals.get(d.adId) : undefined;
        if (life && totals[i]! >= life.goal) goalMet(d.adId, life.version);
      }),
  });
  const { count, flush } = servedCounts;

  const release = (adId: string, held: Held): Promise<void> => {
    const n = held.left;
    held.left = 0;
    if (n <= 0 || held.periods === '') return Promise.resolve();
    deps.released?.(n);
    deps.storeCall?.('release');
    return store.release(adId, held.periods.split(','), n).catch(report('release'));
  };

  const current = (ad: Ad, now: number): Held => {
    const periods = periodsAt(ad, now);
    let held = blocks.get(ad.id);
    if (held && held.version === ad.version && held.periods === periods) return held;
    if (held) void release(ad.id, held);
    held = {
      version: ad.version,
      periods,
      left: 0,
      refilling: false,
      retryAt: 0,
      remaining: Infinity,
      lastGot: 0,
      usedAt: now,
    };
    blocks.set(ad.id, held);
    return held;
  };

  async function refill(ad: Ad, held: Held, now: number): Promise<void> {
    const delivery = deliveryOf(ad);
    const budgets = budgetsAt({ ...ad, goals: delivery.goals, pacing: delivery.pacing }, now);
    const allowed = budgets.map((b) => b.allowed);
    const want = blockSize(Math.min(held.remaining, ...allowed), held.left, maxBlock);
    if (want <= 0) return;
    held.refilling = true;
    try {
      deps.storeCall?.('grant');
      const { got, granted } = await store.grant(
        ad.id,
        budgets.map((b) => b.key),
        allowed,
        want,
      );
      deps.granted?.(want, got);
      if (blocks.get(ad.id) !== held) {
        // Dropped while the grant was on its way (a new version or day): give it back.
        if (got > 0) {
          deps.storeCall?.('release');
          await store
            .release(
              ad.id,
              budgets.map((b) => b.key),
              got,
            )
            .catch(report('release'));
        }
        return;
      }
      held.left += got;
      held.lastGot = got;
      held.remaining = Math.min(...budgets.map((b, i) => b.allowed - granted[i]!));
      if (got > 0) return;
      // Nothing granted: when may the budgets allow more?
      let retryAt = now + MIN_RETRY_MS;
      budgets.forEach((b, i) => {
        const g = granted[i]!;
        if (g >= b.goal) {
          if (b.key === LIFETIME) {
            held.grantedOutSince ??= now;
            if (now - held.grantedOutSince >= completeAfterMs) goalMet(ad.id, ad.version);
            retryAt = Math.max(retryAt, now + 1000);
          } else retryAt = Math.max(retryAt, nextUtcDay(now));
        } else if (b.paced) {
          retryAt = Math.max(retryAt, nextAllowedAt(b.goal, b.paced, g, now) ?? now + 1000);
        }
      });
      held.retryAt = retryAt;
    } catch (err) {
      deps.grantFailed?.(err);
      held.retryAt = now + RETRY_AFTER_FAILURE_MS;
    } finally {
      held.refilling = false;
    }
  }

  const maybeRefill = (ad: Ad, held: Held, now: number): void => {
    if (held.refilling || now < held.retryAt || stopped) return;
    if (held.left > 0 && held.left > Math.floor(held.lastGot / 4)) return;
    const first = held.remaining === Infinity && held.lastGot === 0 && held.retryAt === 0;
    const asked = refill(ad, held, now);
    if (!first) return;
    held.first = new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        held.first = undefined;
        resolve();
      };
      const timer = setTimeout(done, FIRST_GRANT_WAIT_MS);
      asked.then(done, done);
    });
  };

  /** Drops the ads no decision asked for lately (ended, deleted, or out of traffic): memory stays bounded. */
  const forgetIdle = (): void => {
    const cutoff = deps.now() - FORGET_AFTER_MS;
    for (const [adId, held] of blocks) {
      if (held.usedAt >= cutoff || held.refilling) continue;
      void release(adId, held);
      blocks.delete(adId);
      lifeGoals.delete(adId);
      for (const key of told) if (key.startsWith(`${adId}:`)) told.delete(key);
    }
  };

  let ticks = 0;
  const timer = setInterval(() => {
    if (++ticks % 60 === 0) forgetIdle();
    if (ticks % 3600 === 1) {
      deps.storeCall?.('prune');
      store.pruneDays(utcDayOf(deps.now()) - KEEP_DAYS).catch(report('pruning budget rows'));
    }
    void flush();
  }, deps.flushMs ?? SERVED_FLUSH_MS);
  timer.unref();

  return {
    reserve(ad, now) {
      if (!hasBudget(deliveryOf(ad).goals)) return true;
      const held = current(ad, now);
      held.usedAt = now;
      if (held.left <= 0) {
        maybeRefill(ad, held, now);
        return false;
      }
      held.left--;
      maybeRefill(ad, held, now);
      return true;
    },
    firstGrant(ad) {
      const held = blocks.get(ad.id);
      return held?.version === ad.version ? held.first : undefined;
    },
    unreserve(ad, now) {
      if (!hasBudget(deliveryOf(ad).goals)) return;
      const held = blocks.get(ad.id);
      if (held && held.version === ad.version && held.periods === periodsAt(ad, now)) held.left++;
    },
    served(ad, now) {
      const { goals } = deliveryOf(ad);
      count(ad.id, LIFETIME, 1);
      count(ad.id, todayKey(now), 1);
      if (goals.impressions !== null) {
        lifeGoals.set(ad.id, { goal: goals.impressions, version: ad.version });
        const held = blocks.get(ad.id);
        // The last serve of a wholly granted goal: tell the store now rather than within a second.
        if (held && held.left === 0 && held.remaining <= 0) void flush();
      }
    },
    unflushed: servedCounts.unflushed,
    held() {
      let n = 0;
      for (const h of blocks.values()) n += h.left;
      return n;
    },
    flush,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await Promise.all(Array.from(blocks, ([adId, held]) => release(adId, held)));
      await flush();
    },
  };
}
