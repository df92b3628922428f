/**
 * Rendered public pages kept by question, for skewed traffic: the same few questions asked over
 * and over are answered without querying and rendering again. Built so that traffic that does not
 * repeat loses nothing measurable:
 * - The key is the parsed question (filters, offset, limit) as two small integers, never the URL:
 *   parameter order, letter case and unknown parameters do not split an entry, and no string is
 *   hashed.
 * - Direct-mapped slots in typed arrays: a lookup is one slot, a store overwrites one slot. No
 *   list to keep in order, no eviction walk, nothing allocated but the page itself.
 * - Admission on a second sighting: a miss only marks the question in a small table of tags; it
 *   is kept the next time it misses while still marked. A question asked rarely has lost its mark
 *   by then, so the pages of a uniform mix are seldom kept, and die young instead of aging into
 *   the old generation (keeping every page made a uniform mix slower than no cache at all).
 * - An entry holds the service's answers epoch: any applied write, or an ad starting or ending,
 *   moves the epoch and every kept page stops matching at once.
 */
import { Counter, type Registry } from 'prom-client';
import type { AdQuery } from '../../model/ad.js';
import type { AdsService } from '../../service/ads-service.js';
import { COUNTRY_CODES } from './countries.js';
import type { PublicQuery } from './query.js';
import { renderPage } from './render.js';

/** Default number of slots (a power of two); `ANSWER_CACHE_SLOTS=0` turns the cache off. */
export const DEFAULT_ANSWER_CACHE_SLOTS = 16_384;

/** Offsets below this are kept (a page key is `offset * 128 + limit`, an int32). */
const MAX_KEPT_OFFSET = 1 << 23;

const COUNTRY_INDEX: ReadonlyMap<string, number> = new Map([...COUNTRY_CODES].map((c, i) => [c, i + 1]));
const COUNTRIES = COUNTRY_INDEX.size + 1;
const GENDER_INDEX = { M: 1, F: 2 } as const;
const PLATFORM_INDEX = { android: 1, ios: 2, web: 3 } as const;

/** The filters as one integer below 101 × 3 × 250 × 4 (0 stands for "not given"). */
export function questionKey(q: AdQuery): number {
  const age = q.age ?? 0;
  const gender = q.gender === undefined ? 0 : GENDER_INDEX[q.gender];
  const country = q.country === undefined ? 0 : (COUNTRY_INDEX.get(q.country) ?? 0);
  const platform = q.platform === undefined ? 0 : PLATFORM_INDEX[q.platform];
  return ((age * 3 + gender) * COUNTRIES + country) * 4 + platform;
}

export interface PageSource {
  /** The rendered page `parsed` asks for, from memory when it was kept for the current epoch. */
  page(parsed: PublicQuery): string;
  /** Lookups answered from memory and not, since the start. */
  counts(): { readonly hits: number; readonly misses: number };
}

/** Pages straight from the service, nothing kept. */
export function uncachedPages(service: Pick<AdsService, 'query'>): PageSource {
  let misses = 0;
  return {
    page({ query, offset, limit }) {
      misses++;
      return renderPage(service.query(query, offset, limit));
    },
    counts: () => ({ hits: 0, misses }),
  };
}

/** Pages kept in `slots` direct-mapped slots (rounded up to a power of two, at least 2). */
export function createPageCache(
  service: Pick<AdsService, 'query' | 'answersEpoch' | 'now'>,
  slots = DEFAULT_ANSWER_CACHE_SLOTS,
): PageSource {
  const bits = Math.max(1, Math.ceil(Math.log2(slots)));
  const shift = 32 - bits;
  /** Per slot: question, page key, epoch (the low 32 bits), one spare: one cache line for four slots. */
  const keys = new Int32Array(4 << bits).fill(-1);
  const bodies: (string | undefined)[] = new Array<string | undefined>(1 << bits).fill(undefined);
  /** Questions that missed once, by tag, in a table half the size of the slots. */
  const marks = new Int32Array(1 << Math.max(0, bits - 1));
  const markShift = 32 - Math.max(1, bits - 1);
  let hits = 0;
  let misses = 0;

  return {
    page({ query, offset, limit }) {
      const at = service.now();
      if (offset >= MAX_KEPT_OFFSET) return renderPage(service.query(query, offset, limit, at));
      const epoch = service.answersEpoch(at) | 0;
      const question = questionKey(query);
      const pageKey = offset * 128 + limit;
      const mixed = Math.imul(question, 0x9e3779b1) ^ Math.imul(pageKey + 1, 0x85ebca77);
      const slot = mixed >>> shift;
      const k = slot << 2;
      if (keys[k] === question && keys[k + 1] === pageKey && keys[k + 2] === epoch) {
        hits++;
        return bodies[slot]!;
      }
      misses++;
      const body = renderPage(service.query(query, offset, limit, at));
      // Kept on its second miss while still marked; a tag is never 0, so an empty mark matches nothing.
      const tag = Math.imul(mixed, 0x27d4eb2d) | 1;
      const mark = Math.imul(mixed, 0x165667b1) >>> markShift;
      if (marks[mark] === tag) {
        keys[k] = question;
        keys[k + 1] = pageKey;
        keys[k + 2] = epoch;
        bodies[slot] = body;
      } else {
        marks[mark] = tag;
      }
      return body;
    },
    counts: () => ({ hits, misses }),
  };
}

/** `adsm_answer_cache_hits_total` and `_misses_total` of `pages`, registered in `registry`. */
export function registerPageCacheMetrics(registry: Registry, pages: PageSource): void {
  new Counter({
    name: 'adsm_answer_cache_hits_total',
    help: 'Public query pages answered from the answer cache (ANSWER_CACHE_SLOTS).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(pages.counts().hits);
    },
  });
  new Counter({
    name: 'adsm_answer_cache_misses_total',
    help: 'Public query pages queried and rendered afresh (not kept, or the cache is off).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(pages.counts().misses);
    },
  });
}
