import { GENDERS, PLATFORMS, type AdQuery, type ConditionSet } from '../model/ad.js';

/**
 * The feature space of the targeting index. A feature is one value a query can ask for on one
 * dimension (`age=24`, `gender=F`, `country=TW`, …); an index entry (one condition set) either
 * matches a feature or not. Each dimension has an "other" feature for query values no condition set
 * names, which only sets without a restriction on that dimension match.
 *
 * Layout: `ALL` (every entry), ages 1..100, genders + other, platforms + other, country other,
 * then one feature per country code seen so far (interned on first use, never forgotten).
 */
export const F_ALL = 0;
export const AGE_MIN = 1;
export const AGE_MAX = 100;
const AGE_BASE = 1 - AGE_MIN;
const GENDER_BASE = AGE_BASE + AGE_MAX + 1;
const GENDER_OTHER = GENDER_BASE + GENDERS.length;
const PLATFORM_BASE = GENDER_OTHER + 1;
const PLATFORM_OTHER = PLATFORM_BASE + PLATFORMS.length;
/** Features a country code is given only on first use start with a copy of this one. */
export const F_COUNTRY_OTHER = PLATFORM_OTHER + 1;
const COUNTRY_BASE = F_COUNTRY_OTHER + 1;

const genderFeature = (g: string): number => {
  const i = GENDERS.indexOf(g as (typeof GENDERS)[number]);
  return i < 0 ? GENDER_OTHER : GENDER_BASE + i;
};
const platformFeature = (p: string): number => {
  const i = PLATFORMS.indexOf(p as (typeof PLATFORMS)[number]);
  return i < 0 ? PLATFORM_OTHER : PLATFORM_BASE + i;
};

/** The four features a query asks for (age, gender, country, platform); `F_ALL` where absent. */
export type QueryFeatures = readonly [number, number, number, number];

/** Interned country codes and the feature numbering built on them. */
export interface FeatureSpace {
  /** Number of features currently defined. */
  readonly count: number;
  /** Interns the code; returns its feature and whether it was new. */
  internCountry(code: string): { feature: number; created: boolean };
  /**
   * Features of a query, or `undefined` when its age is not an integer in 1..100 (the API never
   * sends one; the index then answers by testing each ad directly).
   */
  queryFeatures(q: AdQuery): QueryFeatures | undefined;
  /**
   * 1 at each feature the condition set matches, 0 elsewhere; `undefined` = the "everyone" entry.
   * The array is reused (valid until the next call) and may be longer than `count`: entries past
   * `count` are 0.
   */
  entryFlags(set: ConditionSet | undefined): Uint8Array;
}

export function createFeatureSpace(): FeatureSpace {
  const countries = new Map<string, number>();
  let count = COUNTRY_BASE;
  let scratch = new Uint8Array(count);

  const ageOk = (set: ConditionSet, age: number): boolean =>
    (set.ageStart === undefined || age >= set.ageStart) && (set.ageEnd === undefined || age <= set.ageEnd);

  return {
    get count() {
      return count;
    },
    internCountry(code) {
      const known = countries.get(code);
      if (known !== undefined) return { feature: known, created: false };
      countries.set(code, count);
      return { feature: count++, created: true };
    },
    queryFeatures(q) {
      let age = F_ALL;
      if (q.age !== undefined) {
        if (!Number.isInteger(q.age) || q.age < AGE_MIN || q.age > AGE_MAX) return undefined;
        age = AGE_BASE + q.age;
      }
      const gender = q.gender === undefined ? F_ALL : genderFeature(q.gender);
      const country = q.country === undefined ? F_ALL : (countries.get(q.country) ?? F_COUNTRY_OTHER);
      const platform = q.platform === undefined ? F_ALL : platformFeature(q.platform);
      return [age, gender, country, platform];
    },
    entryFlags(set) {
      if (scratch.length < count) scratch = new Uint8Array(count * 2);
      const flags = scratch;
      if (set === undefined) return flags.fill(1, 0, count);
      flags[F_ALL] = 1;
      for (let age = AGE_MIN; age <= AGE_MAX; age++) flags[AGE_BASE + age] = ageOk(set, age) ? 1 : 0;
      GENDERS.forEach((g, i) => (flags[GENDER_BASE + i] = !set.gender || set.gender.includes(g) ? 1 : 0));
      flags[GENDER_OTHER] = set.gender ? 0 : 1;
      PLATFORMS.forEach(
        (p, i) => (flags[PLATFORM_BASE + i] = !set.platform || set.platform.includes(p) ? 1 : 0),
      );
      flags[PLATFORM_OTHER] = set.platform ? 0 : 1;
      flags[F_COUNTRY_OTHER] = set.country ? 0 : 1;
      for (const [code, feature] of countries) {
        flags[feature] = !set.country || set.country.includes(code) ? 1 : 0;
      }
      return flags;
    },
  };
}
