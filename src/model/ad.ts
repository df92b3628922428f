import { DEFAULT_DELIVERY, type Creative, type DeliverySettings } from './delivery.js';

/**
 * The ad model. Times are epoch milliseconds inside the core; the HTTP layer renders ISO strings.
 * Condition sets are always stored normalised (see `normalizeConditions`).
 */
export const GENDERS = ['M', 'F'] as const;
export const PLATFORMS = ['android', 'ios', 'web'] as const;
export type Gender = (typeof GENDERS)[number];
export type Platform = (typeof PLATFORMS)[number];

export interface ConditionSet {
  readonly ageStart?: number;
  readonly ageEnd?: number;
  readonly gender?: readonly Gender[];
  /** ISO 3166-1 alpha-2, upper case. */
  readonly country?: readonly string[];
  readonly platform?: readonly Platform[];
}

export interface Ad {
  readonly id: string;
  readonly title: string;
  readonly startAt: number;
  readonly endAt: number;
  /** Empty list = targets everyone; otherwise the ad matches when ANY set matches. */
  readonly conditions: readonly ConditionSet[];
  /** Absent on ads written before delivery settings existed: read it with `deliveryOf`. */
  readonly delivery?: DeliverySettings;
  /** Absent or `null`: none. Read it with `creativeOf`. */
  readonly creative?: Creative | null;
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** When this version's lifetime goal was met (its `complete` entry's time); absent while not. */
  readonly completedAt?: number;
}

/** What an admin sends on create and replace, already validated and normalised. */
export interface AdInput {
  readonly title: string;
  readonly startAt: number;
  readonly endAt: number;
  readonly conditions: readonly ConditionSet[];
  /** Absent: the defaults. A replace always sets the whole settings. */
  readonly delivery?: DeliverySettings;
  readonly creative?: Creative | null;
}

export const deliveryOf = (ad: Ad): DeliverySettings => ad.delivery ?? DEFAULT_DELIVERY;
export const creativeOf = (ad: Ad): Creative | null => ad.creative ?? null;

/** A public query; a missing field does not filter. */
export interface AdQuery {
  readonly age?: number;
  readonly gender?: Gender;
  readonly country?: string;
  readonly platform?: Platform;
}

export const AD_STATUSES = ['scheduled', 'active', 'completed', 'expired'] as const;
export type AdStatus = (typeof AD_STATUSES)[number];

/** After `endAt` an ad is expired, whatever its goals; before it, completed once its goal was met. */
export function statusAt(ad: Ad, now: number): AdStatus {
  if (now >= ad.endAt) return 'expired';
  if (ad.completedAt !== undefined) return 'completed';
  return now < ad.startAt ? 'scheduled' : 'active';
}

export const isActiveAt = (ad: Ad, now: number): boolean => ad.startAt <= now && now < ad.endAt;

export function setMatches(set: ConditionSet, q: AdQuery): boolean {
  if (q.age !== undefined) {
    if (set.ageStart !== undefined && q.age < set.ageStart) return false;
    if (set.ageEnd !== undefined && q.age > set.ageEnd) return false;
  }
  if (q.gender !== undefined && set.gender !== undefined && !set.gender.includes(q.gender)) return false;
  if (q.country !== undefined && set.country !== undefined && !set.country.includes(q.country)) return false;
  if (q.platform !== undefined && set.platform !== undefined && !set.platform.includes(q.platform))
    return false;
  return true;
}

export const adMatches = (ad: Ad, q: AdQuery): boolean =>
  ad.conditions.length === 0 || ad.conditions.some((set) => setMatches(set, q));

/** The public order: `endAt` ascending, then `id` ascending. */
export function compareAds(a: Ad, b: Ad): number {
  if (a.endAt !== b.endAt) return a.endAt - b.endAt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

const dedupe = <T>(list: readonly T[]): T[] => [...new Set(list)];

/**
 * Normalises condition sets: null fields dropped, list duplicates removed (first occurrence kept),
 * countries upper-cased, and any empty set makes the whole list "everyone" (`[]`).
 */
export function normalizeConditions(sets: readonly ConditionSetInput[]): ConditionSet[] {
  const out: ConditionSet[] = [];
  for (const s of sets) {
    const set: { -readonly [K in keyof ConditionSet]: ConditionSet[K] } = {};
    if (s.ageStart != null) set.ageStart = s.ageStart;
    if (s.ageEnd != null) set.ageEnd = s.ageEnd;
    if (s.gender != null) set.gender = dedupe(s.gender);
    if (s.country != null) set.country = dedupe(s.country.map((c) => c.toUpperCase()));
    if (s.platform != null) set.platform = dedupe(s.platform);
    if (Object.keys(set).length === 0) return [];
    out.push(set);
  }
  return out;
}

/** A condition set as accepted from a request (after schema checks), `null` meaning absent. */
export interface ConditionSetInput {
  readonly ageStart?: number | null;
  readonly ageEnd?: number | null;
  readonly gender?: readonly Gender[] | null;
  readonly country?: readonly string[] | null;
  readonly platform?: readonly Platform[] | null;
}
