/**
 * The seed workload, the one definition `npm run bench` and the k6 scripts (k6/) both use: seed
 * ads (one condition set each) and the public query mix. Plain TypeScript with no imports, so k6
 * runs it as it is; pass `Math.random` or a seeded `createRng(seed)` as `rng`. Times are epoch ms.
 */

/** A source of floats in [0, 1). */
export type Rng = () => number;

/** mulberry32: tiny, fast, good enough for benchmark data; the same seed gives the same data. */
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

export const GENDERS = ['M', 'F'] as const;
export const PLATFORMS = ['android', 'ios', 'web'] as const;
export const COUNTRIES = ['US', 'TW', 'GB', 'AU', 'FR', 'DE'];
/** Codes no seed ad targets; 5% of the mix's country filters use one. */
export const OTHER_COUNTRIES = ['JP', 'KR', 'CA', 'BR'];
const MINUTE = 60_000;
const DAY = 1_440 * MINUTE;

export interface SeedConditions {
  ageStart: number;
  ageEnd: number;
  gender: ('M' | 'F')[];
  country: string[];
  platform: ('android' | 'ios' | 'web')[];
}

/** One seed condition set: ages 18-62 up to 64, 1-2 genders, 1-6 countries, 1-3 platforms. */
export function seedConditions(rng: Rng): SeedConditions {
  const ageStart = randomInt(rng, 18, 62);
  return {
    ageStart,
    ageEnd: randomInt(rng, ageStart, 64),
    gender: sample(rng, GENDERS, randomInt(rng, 1, 2)),
    country: sample(rng, COUNTRIES, randomInt(rng, 1, 6)),
    platform: sample(rng, PLATFORMS, randomInt(rng, 1, 3)),
  };
}

export interface SeedAd {
  title: string;
  startAt: number;
  endAt: number;
  conditions: SeedConditions[];
}

/**
 * A seed ad active at `now`: started up to 30 days before, ending 1 to 31 days after on a whole
 * minute (so large sets have `endAt` ties), one seed condition set.
 */
export function seedAd(rng: Rng, title: string, now: number): SeedAd {
  const startAt = now - randomInt(rng, 1, 30 * DAY);
  const endAt = Math.floor(now / MINUTE) * MINUTE + DAY + randomInt(rng, 1, 30 * 1_440) * MINUTE;
  return { title, startAt, endAt, conditions: [seedConditions(rng)] };
}

/** `n` seed ads titled `AD 0`…, drawn from `createRng(seed)`. */
export function seedAds(n: number, seed: number, now: number): SeedAd[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, i) => seedAd(rng, `AD ${i}`, now));
}

/** The body of `POST /api/v1/ad` creating `ad`. */
export const createBody = (ad: SeedAd) => ({
  title: ad.title,
  startAt: new Date(ad.startAt).toISOString(),
  endAt: new Date(ad.endAt).toISOString(),
  conditions: ad.conditions,
});

export interface SeedQuery {
  query: { age?: number; gender?: 'M' | 'F'; country?: string; platform?: 'android' | 'ios' | 'web' };
  offset: number;
  limit: number;
}

/**
 * One query of the mix: each of age, gender, country, platform present or absent (all 16
 * combinations equally likely), age 1-100, country a seed country or 5% of the time a code no ad
 * targets, limit 5/10/15, offset 0-9.
 */
export function seedQuery(rng: Rng): SeedQuery {
  const combo = randomInt(rng, 0, 15);
  const query: SeedQuery['query'] = {};
  if (combo & 1) query.age = randomInt(rng, 1, 100);
  if (combo & 2) query.gender = pick(rng, GENDERS);
  if (combo & 4) query.country = rng() < 0.05 ? pick(rng, OTHER_COUNTRIES) : pick(rng, COUNTRIES);
  if (combo & 8) query.platform = pick(rng, PLATFORMS);
  return { query, offset: randomInt(rng, 0, 9), limit: pick(rng, [5, 10, 15]) };
}

/** The public query's path for `q`. */
export function queryPath({ query, offset, limit }: SeedQuery): string {
  let path = `/api/v1/ad?offset=${offset}&limit=${limit}`;
  if (query.age !== undefined) path += `&age=${query.age}`;
  if (query.gender !== undefined) path += `&gender=${query.gender}`;
  if (query.country !== undefined) path += `&country=${query.country}`;
  if (query.platform !== undefined) path += `&platform=${query.platform}`;
  return path;
}

/**
 * The seed's load mix as a space of questions: every filter present (age 1-100, gender, one of
 * the six seed countries, platform), limit 5/10/15, offset 0-9: 108,000 distinct queries, in an
 * order shuffled by `rng` (the rank order of the skewed mix).
 */
export function seedSpace(rng: Rng): SeedQuery[] {
  const space: SeedQuery[] = [];
  for (let age = 1; age <= 100; age++)
    for (const gender of GENDERS)
      for (const country of COUNTRIES)
        for (const platform of PLATFORMS)
          for (const limit of [5, 10, 15])
            for (let offset = 0; offset < 10; offset++)
              space.push({ query: { age, gender, country, platform }, offset, limit });
  return sample(rng, space, space.length);
}

/**
 * Draws ranks `0..n-1` with probability ~ 1/(rank+1)^s (Zipf), by binary search over the
 * cumulative distribution; `bench/wrk-draw.lua` draws the same way.
 */
export function zipfSampler(n: number, s: number, rng: Rng): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k++) cdf[k] = total += 1 / (k + 1) ** s;
  for (let k = 0; k < n; k++) cdf[k]! /= total;
  return () => {
    const u = rng();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}
