import { creativeOf, deliveryOf, statusAt, type Ad, type ConditionSet } from '../../model/ad.js';
import type { Creative, DeliverySettings } from '../../model/delivery.js';
import { toIso } from '../input/time.js';

/** JSON shapes of ads as the API answers them (times as `toISOString()`, conditions always a list). */

export interface AdJson {
  readonly id: string;
  readonly title: string;
  readonly startAt: string;
  readonly endAt: string;
  readonly conditions: readonly ConditionSet[];
  readonly delivery: DeliverySettings;
  readonly creative: Creative | null;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export const renderAd = (ad: Ad): AdJson => ({
  id: ad.id,
  title: ad.title,
  startAt: toIso(ad.startAt),
  endAt: toIso(ad.endAt),
  conditions: ad.conditions,
  delivery: deliveryOf(ad),
  creative: creativeOf(ad),
  version: ad.version,
  createdAt: toIso(ad.createdAt),
  updatedAt: toIso(ad.updatedAt),
});

export const renderAdWithStatus = (ad: Ad, now: number) => ({ ...renderAd(ad), status: statusAt(ad, now) });

export const etagOf = (ad: Ad): string => `"${ad.version}"`;
export const locationOf = (ad: Ad): string => `/api/v1/ad/${encodeURIComponent(ad.id)}`;

/** Ads are immutable values (a change makes a new object), so each one's item JSON is made once. */
const itemCache = new WeakMap<Ad, string>();

function item(ad: Ad): string {
  let json = itemCache.get(ad);
  if (json === undefined) {
    json = `{"id":${JSON.stringify(ad.id)},"title":${JSON.stringify(ad.title)},"endAt":"${toIso(ad.endAt)}"}`;
    itemCache.set(ad, json);
  }
  return json;
}

/** The public page `{"items":[{id,title,endAt}]}` as JSON text. */
export function renderPage(ads: readonly Ad[]): string {
  let body = '{"items":[';
  for (let i = 0; i < ads.length; i++) {
    if (i > 0) body += ',';
    body += item(ads[i]!);
  }
  return body + ']}';
}
