import { statusAt, type Ad, type ConditionSet } from '../model/ad.js';
import { toIso } from './time.js';

/** JSON shapes of ads as the API answers them (times as `toISOString()`, conditions always a list). */

export interface AdJson {
  readonly id: string;
  readonly title: string;
  readonly startAt: string;
  readonly endAt: string;
  readonly conditions: readonly ConditionSet[];
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
  version: ad.version,
  createdAt: toIso(ad.createdAt),
  updatedAt: toIso(ad.updatedAt),
});

export const renderAdWithStatus = (ad: Ad, now: number) => ({ ...renderAd(ad), status: statusAt(ad, now) });

export const etagOf = (ad: Ad): string => `"${ad.version}"`;
export const locationOf = (ad: Ad): string => `/api/v1/ad/${encodeURIComponent(ad.id)}`;

/** Ads are immutable values (a change makes a new object), so each one's item JSON is made once. */
interface Item {
  readonly json: string;
  readonly bytes: number;
}
const itemCache = new WeakMap<Ad, Item>();

function item(ad: Ad): Item {
  let it = itemCache.get(ad);
  if (it === undefined) {
    const json = `{"id":${JSON.stringify(ad.id)},"title":${JSON.stringify(ad.title)},"endAt":"${toIso(ad.endAt)}"}`;
    it = { json, bytes: Buffer.byteLength(json) };
    itemCache.set(ad, it);
  }
  return it;
}

const EMPTY_PAGE = '{"items":[]}';

/** The public page `{"items":[{id,title,endAt}]}` as JSON text, with its length in UTF-8 bytes. */
export function renderPageSized(ads: readonly Ad[]): { body: string; bytes: number } {
  if (ads.length === 0) return { body: EMPTY_PAGE, bytes: EMPTY_PAGE.length };
  let body = '{"items":[';
  let bytes = body.length + 2 + ads.length - 1;
  for (let i = 0; i < ads.length; i++) {
    const it = item(ads[i]!);
    if (i > 0) body += ',';
    body += it.json;
    bytes += it.bytes;
  }
  return { body: body + ']}', bytes };
}

export const renderPage = (ads: readonly Ad[]): string => renderPageSized(ads).body;
