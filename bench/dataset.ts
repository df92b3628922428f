import type { Ad, AdQuery, ConditionSet, Gender, Platform } from '../src/model/ad.js';

/**
 * Repeatable benchmark data: the "seed" ad generator and the "seed query mix". Everything is drawn
 * from a seeded PRNG, so the same seed gives the same ads and queries on every run. Times are epoch ms.
 */

/** A PRNG returning floats in [0, 1). */
export type Rng = () => number;

/** mulberry32: tiny, fast, good enough for benchmark data. */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in `lo..hi`, both inclusive. */
export const randomInt = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));

export const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)]!;

/** `k` distinct elements of `list`, in random order. */
export function sample<T>(rng: Rng, list: readonly T[], k: number): T[] {
  const copy = [...list];
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, k);
}

export const SEED_COUNTRIES = ['US', 'TW', 'GB', 'AU', 'FR', 'DE'] as const;
/** Codes no seed ad targets; the query mix uses them now and then. */
export const OTHER_COUNTRIES = ['JP', 'KR', 'CA', 'BR'] as const;
const SEED_GENDERS: readonly Gender[] = ['M', 'F'];
const SEED_PLATFORMS: readonly Platform[] = ['android', 'ios', 'web'];

/** The fixed "now" of the benchmarks (2026-12-22T01:00:00.000Z). */
export const BENCH_NOW = Date.UTC(2026, 11, 22, 1, 0, 0);
const MINUTE = 60_000;
const DAY = 1_440 * MINUTE;

export interface SeedAdsOptions {
  /** PRNG seed (default 1). */
  readonly seed?: number;
  /** The instant at which every generated ad is active (default `BENCH_NOW`). */
  readonly now?: number;
}

/** One seed condition set: ages 18-62 up to 64, 1-2 genders, 1-6 countries, 1-3 platforms. */
export function seedConditionSet(rng: Rng): ConditionSet {
  const ageStart = randomInt(rng, 18, 62);
  return {
    ageStart,
    ageEnd: randomInt(rng, ageStart, 64),
    gender: sample(rng, SEED_GENDERS, randomInt(rng, 1, 2)),
    country: sample(rng, SEED_COUNTRIES, randomInt(rng, 1, 6)),
    platform: sample(rng, SEED_PLATFORMS, randomInt(rng, 1, 3)),
  };
}

/** A UUID-shaped id drawn from the PRNG (version nibble 7, so it looks like the server's ids). */
export function seedId(rng: Rng): string {
  let hex = '';
  for (let i = 0; i < 4; i++)
    hex += Math.floor(rng() * 4294967296)
      .toString(16)
      .padStart(8, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${hex.slice(13, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * `n` ads active at `now`, each with one seed condition set: started up to 30 days ago, ending
 * within the next 30 days on a whole minute (so large sets have `endAt` ties).
 */
export function seedAds(n: number, options: SeedAdsOptions = {}): Ad[] {
  const rng = createRng(options.seed ?? 1);
  const now = options.now ?? BENCH_NOW;
  const ads: Ad[] = [];
  for (let i = 0; i < n; i++) {
    const startAt = now - randomInt(rng, 1, 30 * DAY);
    const endAt = Math.floor(now / MINUTE) * MINUTE + randomInt(rng, 1, 30 * 1_440) * MINUTE;
    ads.push({
      id: seedId(rng),
      title: `AD ${i}`,
      startAt,
      endAt,
      conditions: [seedConditionSet(rng)],
      version: 1,
      createdAt: startAt - MINUTE,
      updatedAt: startAt - MINUTE,
    });
  }
  return ads;
}

/** One public query with its page. */
export interface SeedQuery {
  readonly query: AdQuery;
  readonly offset: number;
  readonly limit: number;
}

/**
 * `n` queries of the seed mix: each of age, gender, country, platform present or absent (all 16
 * combinations equally likely), age 1-100, country mostly a seed country and 5% of the time another
 * code, limit 5/10/15, offset 0-9.
 */
export function seedQueryMix(n: number, rng: Rng): SeedQuery[] {
  const out: SeedQuery[] = [];
  for (let i = 0; i < n; i++) {
    const combo = randomInt(rng, 0, 15);
    const query: { -readonly [K in keyof AdQuery]: AdQuery[K] } = {};
    if (combo & 1) query.age = randomInt(rng, 1, 100);
    if (combo & 2) query.gender = pick(rng, SEED_GENDERS);
    if (combo & 4) query.country = rng() < 0.05 ? pick(rng, OTHER_COUNTRIES) : pick(rng, SEED_COUNTRIES);
    if (combo & 8) query.platform = pick(rng, SEED_PLATFORMS);
    out.push({ query, offset: randomInt(rng, 0, 9), limit: pick(rng, [5, 10, 15]) });
  }
  return out;
}
