/**
 * The arithmetic of impressions budgets, pure: which budgets a serve of an ad draws from at a
 * time, how many serves each may have granted by then (`allowed`), how big a block a replica
 * asks for, and when a refused budget may allow more. No clock, no I/O: time comes in as data
 * (the store's clock, as the replica reads it).
 *
 * A budget is an ad's impressions goal over one period: `life` (the flight, for the lifetime
 * goal) or one UTC day (`d<day number>`, for the daily goal). The store counts the serves
 * granted per budget; a grant takes `min(k, allowed - granted)` in one atomic step, so the sum
 * of grants never passes `allowed`, and `allowed` never passes the goal, nor under even pacing
 * the contract's pacing line at the time of the grant (the line only grows, so a serve spent
 * later from that grant is under the line at its own time too).
 */
import type { Goals, Pacing } from '../model/delivery.js';

export const DAY_MS = 86_400_000;

export const LIFETIME = 'life';

/** The key of the budget of UTC day number `day` (epoch ms / 86,400,000, floored). */
export const dayKey = (day: number): string => `d${day}`;

export const utcDayOf = (ms: number): number => Math.floor(ms / DAY_MS);

/** What a budget's arithmetic needs of an ad. */
export interface BudgetedAd {
  readonly startAt: number;
  readonly endAt: number;
  readonly goals: Goals;
  readonly pacing: Pacing;
}

export interface Budget {
  /** `life` or `d<day>`. */
  readonly key: string;
  readonly goal: number;
  /** How many serves may have been granted in all, at the time asked. */
  readonly allowed: number;
  /** The pacing period `[start, end)` when the budget is paced evenly. */
  readonly paced?: { readonly start: number; readonly end: number } | undefined;
}

/** Whether serving `ad` draws on any budget (an impressions goal, lifetime or daily). */
export const hasBudget = (goals: Goals): boolean =>
  goals.impressions !== null || goals.dailyImpressions !== null;

/** The slack the contract allows above the pacing line: `max(1, ceil(goal / 100))`. */
export const paceSlack = (goal: number): number => Math.max(1, Math.ceil(goal / 100));

/**
 * `ceil(goal × (t − p0) / (p1 − p0))`, exactly (big integers: a goal of 10^12 times a flight
 * in ms does not fit a double), clamped to `[0, goal]`.
 */
export function expectedByNow(goal: number, p0: number, p1: number, t: number): number {
  if (t <= p0) return 0;
  if (t >= p1) return goal;
  const num = BigInt(goal) * BigInt(Math.floor(t - p0));
  const den = BigInt(Math.floor(p1 - p0));
  return Number((num + den - 1n) / den);
}

/** The contract's bound on serves in the period by `t`: the line plus its slack, at most the goal. */
export function paceLine(goal: number, p0: number, p1: number, t: number): number {
  return Math.min(goal, expectedByNow(goal, p0, p1, t) + paceSlack(goal));
}

/** The period even pacing spreads a goal over: the UTC day within the flight, or the flight. */
export function pacingPeriod(ad: BudgetedAd, now: number): { start: number; end: number } {
  if (ad.goals.dailyImpressions === null) return { start: ad.startAt, end: ad.endAt };
  const dayStart = utcDayOf(now) * DAY_MS;
  return { start: Math.max(dayStart, ad.startAt), end: Math.min(dayStart + DAY_MS, ad.endAt) };
}

/**
 * The budgets one serve of `ad` at `now` draws from, each with what may be granted by `now`.
 * Empty when the ad has no impressions goal. Under even pacing the paced budget is the daily
 * one when there is a daily goal, else the lifetime one.
 */
export function budgetsAt(ad: BudgetedAd, now: number): Budget[] {
  const out: Budget[] = [];
  const { impressions, dailyImpressions } = ad.goals;
  const even = ad.pacing === 'even';
  if (impressions !== null) {
    const paced = even && dailyImpressions === null ? pacingPeriod(ad, now) : undefined;
    out.push({
      key: LIFETIME,
      goal: impressions,
      allowed: paced ? paceLine(impressions, paced.start, paced.end, now) : impressions,
      paced,
    });
  }
  if (dailyImpressions !== null) {
    const paced = even ? pacingPeriod(ad, now) : undefined;
    out.push({
      key: dayKey(utcDayOf(now)),
      goal: dailyImpressions,
      allowed: paced ? paceLine(dailyImpressions, paced.start, paced.end, now) : dailyImpressions,
      paced,
    });
  }
  return out;
}

/**
 * What the store does for one grant: takes `min(want, allowed_i − granted_i)` from every budget
 * at once (never below 0). `granted` and `allowed` are in the same order.
 */
export function grantFrom(granted: readonly number[], allowed: readonly number[], want: number): number {
  let got = Math.max(0, want);
  for (let i = 0; i < granted.length; i++) got = Math.min(got, allowed[i]! - granted[i]!);
  return Math.max(0, got);
}

/**
 * How many serves to ask for: a tenth of what is left (so blocks shrink as the budget runs out
 * and the last serves go out one at a time), at least 1, and never so many that this replica
 * would hold more than `maxBlock` unspent (`held` already held).
 */
export function blockSize(remaining: number, held: number, maxBlock: number): number {
  const room = maxBlock - held;
  if (room <= 0) return 0;
  return Math.max(1, Math.min(room, Math.ceil(Math.max(0, remaining) / 10)));
}

/**
 * The earliest time after `now` at which the paced budget allows more than `granted`, or
 * `undefined` when it never will (the goal is granted, or the period is over).
 */
export function nextAllowedAt(
  goal: number,
  period: { readonly start: number; readonly end: number },
  granted: number,
  now: number,
): number | undefined {
  if (granted >= goal || now >= period.end) return undefined;
  // The smallest t with ceil(goal (t − p0) / len) + slack > granted, i.e. goal (t − p0) / len >
  // granted − slack, i.e. t − p0 > (granted − slack) len / goal.
  const need = granted - paceSlack(goal);
  if (need < 0) return now;
  const len = period.end - period.start;
  const offset = Number((BigInt(need) * BigInt(Math.floor(len))) / BigInt(goal)) + 1;
  return Math.max(now, Math.min(period.end, period.start + offset));
}

/** The start of the UTC day after the one holding `now`. */
export const nextUtcDay = (now: number): number => (utcDayOf(now) + 1) * DAY_MS;
