import { adMatches, compareAds, type Ad } from '../model/ad.js';
import { invariantFailed } from '../model/errors.js';
import type { AdIndex } from './ad-index.js';
import {
  emptyBlock,
  growBlock,
  insertEntry,
  lowBits,
  MAX_BLOCK,
  mergeInto,
  removeEntries,
  splitBlock,
  type Block,
} from './block.js';
import { createFeatureSpace, F_ALL, F_COUNTRY_OTHER, type QueryFeatures } from './features.js';
import { StartTimes } from './start-times.js';

/**
 * The targeting index: every condition set of every ad is one entry, and all entries sit in
 * `(endAt, id)` order in a list of small blocks (see `block.ts`). Each block keeps, per feature
 * (`age=24`, `country=TW`, …), a 32-bit mask of its entries matching it, so a page is found by
 * binary-searching past ads that ended, then AND-ing four masks per block and walking only the
 * set bits until the page is full. Per-feature totals answer impossible queries (`age=10`,
 * `country=JP` when no ad can take them) without touching a block. Writes touch one or two blocks.
 */

export interface TargetingIndexOptions {
  /** Entries per block, 2..32 (default 32). Smaller blocks exist for tests of splits and merges. */
  readonly blockSize?: number;
}

const ALL_FEATURES: QueryFeatures = [F_ALL, F_ALL, F_ALL, F_ALL];

/** Creates an empty targeting index. */
export function createTargetingIndex(options: TargetingIndexOptions = {}): AdIndex {
  const blockSize = options.blockSize ?? MAX_BLOCK;
  if (!Number.isInteger(blockSize) || blockSize < 2 || blockSize > MAX_BLOCK) {
    throw new RangeError(`blockSize must be an integer in 2..${MAX_BLOCK}`);
  }
  const features = createFeatureSpace();
  const byId = new Map<string, Ad>();
  const starts = new StartTimes(
    (ad) => byId.get(ad.id) === ad,
    () => byId.values(),
    () => byId.size,
  );
  const blocks: Block[] = [];
  let capacity = features.count + 32;
  let counts = new Int32Array(capacity);

  function internCountry(code: string): void {
    const { feature, created } = features.internCountry(code);
    if (!created) return;
    if (feature >= capacity) {
      capacity *= 2;
      for (const block of blocks) growBlock(block, capacity);
      const grown = new Int32Array(capacity);
      grown.set(counts);
      counts = grown;
    }
    // Sets without a country restriction match the new code too.
    for (const block of blocks) block.masks[feature] = block.masks[F_COUNTRY_OTHER]!;
    counts[feature] = counts[F_COUNTRY_OTHER]!;
  }

  /** First block whose last entry sorts after `ad` (`orEqual`: not before it). */
  function blockAfter(ad: Ad, orEqual: boolean): number {
    let lo = 0;
    let hi = blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const ads = blocks[mid]!.ads;
      const c = compareAds(ads[ads.length - 1]!, ad);
      if (c > 0 || (orEqual && c === 0)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  function entryAfter(ads: readonly Ad[], ad: Ad, orEqual: boolean): number {
    let lo = 0;
    let hi = ads.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareAds(ads[mid]!, ad);
      if (c > 0 || (orEqual && c === 0)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  function insert(ad: Ad): void {
    for (const set of ad.conditions) for (const code of set.country ?? []) internCountry(code);
    const sets = ad.conditions.length === 0 ? [undefined] : ad.conditions;
    for (const set of sets) {
      if (blocks.length === 0) blocks.push(emptyBlock(capacity));
      const b = blocks.length === 1 ? 0 : Math.min(blockAfter(ad, false), blocks.length - 1);
      let block = blocks[b]!;
      let pos = entryAfter(block.ads, ad, false);
      if (block.ads.length >= blockSize) {
        const half = block.ads.length >>> 1;
        const right = splitBlock(block, half);
        blocks.splice(b + 1, 0, right);
        if (pos > half) {
          block = right;
          pos -= half;
        }
      }
      insertEntry(block, pos, ad, features.entryFlags(set), counts);
    }
  }

  function compact(b: number): void {
    const n = blocks[b]!.ads.length;
    if (n === 0) {
      blocks.splice(b, 1);
      return;
    }
    if (n > blockSize >>> 2) return;
    const fits = (i: number): boolean => {
      const other = blocks[i];
      return other !== undefined && n + other.ads.length <= (blockSize * 3) >>> 2;
    };
    if (fits(b + 1)) {
      mergeInto(blocks[b]!, blocks[b + 1]!);
      blocks.splice(b + 1, 1);
    } else if (b > 0 && fits(b - 1)) {
      mergeInto(blocks[b - 1]!, blocks[b]!);
      blocks.splice(b, 1);
    }
  }

  function remove(ad: Ad): void {
    let remaining = Math.max(1, ad.conditions.length);
    while (remaining > 0) {
      const b = blockAfter(ad, true);
      const block = blocks[b]!;
      const pos = entryAfter(block.ads, ad, true);
      let k = 0;
      while (block.ads[pos + k] === ad) k++;
      if (k === 0) throw invariantFailed(`targeting index lost the entries of ad ${ad.id}`);
      removeEntries(block, pos, k, counts);
      remaining -= k;
      compact(b);
    }
  }

  /** Index of the first block holding an ad that ends after `now`. */
  function firstLiveBlock(now: number): number {
    let lo = 0;
    let hi = blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const ads = blocks[mid]!.ads;
      if (ads[ads.length - 1]!.endAt > now) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  function firstLiveEntry(ads: readonly Ad[], now: number): number {
    let lo = 0;
    let hi = ads.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ads[mid]!.endAt > now) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  function collect(
    [fa, fg, fc, fp]: QueryFeatures,
    now: number,
    offset: number,
    limit: number,
    test?: (ad: Ad) => boolean,
  ): Ad[] {
    const out: Ad[] = [];
    if (counts[fa] === 0 || counts[fg] === 0 || counts[fc] === 0 || counts[fp] === 0) return out;
    const first = firstLiveBlock(now);
    let skip = offset;
    let last: Ad | undefined;
    for (let b = first; b < blocks.length; b++) {
      const { ads, masks } = blocks[b]!;
      let m = masks[fa]! & masks[fg]! & masks[fc]! & masks[fp]!;
      if (b === first && ads[0]!.endAt <= now) m &= ~lowBits(firstLiveEntry(ads, now));
      while (m !== 0) {
        const bit = m & -m;
        m ^= bit;
        const ad = ads[31 - Math.clz32(bit)]!;
        if (ad === last) continue;
        last = ad;
        if (ad.startAt > now || (test !== undefined && !test(ad))) continue;
        if (skip > 0) skip--;
        else if (out.push(ad) >= limit) return out;
      }
    }
    return out;
  }

  return {
    upsert(ad) {
      const old = byId.get(ad.id);
      if (old !== undefined) remove(old);
      byId.set(ad.id, ad);
      insert(ad);
      starts.add(ad);
    },
    remove(id) {
      const old = byId.get(id);
      if (old === undefined) return;
      byId.delete(id);
      remove(old);
    },
    page(query, now, offset, limit) {
      if (limit <= 0) return [];
      const wanted = features.queryFeatures(query);
      if (wanted !== undefined) return collect(wanted, now, Math.max(0, offset), limit);
      return collect(ALL_FEATURES, now, Math.max(0, offset), limit, (ad) => adMatches(ad, query));
    },
    nextChange(now) {
      const b = firstLiveBlock(now);
      const block = blocks[b];
      const nextEnd = block === undefined ? Infinity : block.ads[firstLiveEntry(block.ads, now)]!.endAt;
      return Math.min(nextEnd, starts.nextAfter(now));
    },
    get size() {
      return byId.size;
    },
  };
}
