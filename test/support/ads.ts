import type { Ad, AdInput, ConditionSet } from '../../src/model/ad.js';

export const T0 = Date.UTC(2026, 11, 1, 12);
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

let n = 0;
export function makeAd(over: Partial<Ad> = {}): Ad {
  n++;
  return {
    id: over.id ?? `ad-${String(n).padStart(6, '0')}`,
    title: `AD ${n}`,
    startAt: T0 - HOUR,
    endAt: T0 + DAY,
    conditions: [],
    version: 1,
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

export function makeInput(over: Partial<AdInput> = {}, conditions: ConditionSet[] = []): AdInput {
  return { title: 'AD', startAt: T0 - HOUR, endAt: T0 + DAY, conditions, ...over };
}
