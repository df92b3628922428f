/**
 * The seed workload, the same one `npm run bench` drives (bench/dataset.ts): ads with one seed
 * condition set, and the public query mix.
 */

const GENDERS = ['M', 'F'];
const PLATFORMS = ['android', 'ios', 'web'];
const COUNTRIES = ['US', 'TW', 'GB', 'AU', 'FR', 'DE'];
/** Codes no seed ad targets; 5% of country filters use one. */
const OTHER_COUNTRIES = ['JP', 'KR', 'CA', 'BR'];
const LIMITS = [5, 10, 15];
const MINUTE = 60_000;
const DAY = 1_440 * MINUTE;

/** Integer in `lo..hi`, both inclusive. */
export const randomInt = (lo: number, hi: number): number => lo + Math.floor(Math.random() * (hi - lo + 1));

export const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;

/** `k` distinct elements of `list`, in random order. */
function sample<T>(list: readonly T[], k: number): T[] {
  const copy = [...list];
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(Math.random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, k);
}

/**
 * One query of the mix: each of age, gender, country, platform present or absent (all 16
 * combinations equally likely), age 1-100, limit 5/10/15, offset 0-9.
 */
export function queryPath(): string {
  const combo = randomInt(0, 15);
  let q = `/api/v1/ad?offset=${randomInt(0, 9)}&limit=${pick(LIMITS)}`;
  if (combo & 1) q += `&age=${randomInt(1, 100)}`;
  if (combo & 2) q += `&gender=${pick(GENDERS)}`;
  if (combo & 4) q += `&country=${Math.random() < 0.05 ? pick(OTHER_COUNTRIES) : pick(COUNTRIES)}`;
  if (combo & 8) q += `&platform=${pick(PLATFORMS)}`;
  return q;
}

export interface AdBody {
  title: string;
  startAt: string;
  endAt: string;
  conditions: {
    ageStart: number;
    ageEnd: number;
    gender: string[];
    country: string[];
    platform: string[];
  };
}

/** A seed ad: active now (started up to 30 days ago), ending 1 to 30 days from now on a whole minute. */
export function adBody(title: string, now = Date.now()): AdBody {
  const ageStart = randomInt(18, 62);
  return {
    title,
    startAt: new Date(now - randomInt(1, 30 * DAY)).toISOString(),
    endAt: new Date(
      Math.floor(now / MINUTE) * MINUTE + DAY + randomInt(1, 29 * 1_440) * MINUTE,
    ).toISOString(),
    conditions: {
      ageStart,
      ageEnd: randomInt(ageStart, 64),
      gender: sample(GENDERS, randomInt(1, 2)),
      country: sample(COUNTRIES, randomInt(1, 6)),
      platform: sample(PLATFORMS, randomInt(1, 3)),
    },
  };
}
