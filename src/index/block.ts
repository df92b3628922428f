import type { Ad } from '../model/ad.js';

/**
 * A run of at most 32 index entries, consecutive in `(endAt, id)` order. Entry `i` is one
 * condition set of `ads[i]` (an ad with several sets has several adjacent entries). `masks[f]` has
 * bit `i` set when entry `i` matches feature `f`; bits at or past `ads.length` are always clear.
 */
export interface Block {
  readonly ads: Ad[];
  masks: Uint32Array;
}

export const MAX_BLOCK = 32;

/** Bits below `n` (0 <= n <= 32). */
export const lowBits = (n: number): number => (n === 0 ? 0 : 0xffffffff >>> (32 - n));

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

export const emptyBlock = (features: number): Block => ({ ads: [], masks: new Uint32Array(features) });

/** Inserts one entry at `pos`, shifting later ones up; the block must hold fewer than 32 entries. */
export function insertEntry(block: Block, pos: number, ad: Ad, flags: Uint8Array, counts: Int32Array): void {
  const { masks } = block;
  const low = lowBits(pos);
  for (let f = 0; f < masks.length; f++) {
    const m = masks[f]!;
    const flag = flags[f] ?? 0;
    masks[f] = (m & low) | ((m & ~low) << 1) | (flag << pos);
    counts[f]! += flag;
  }
  block.ads.splice(pos, 0, ad);
}

/** Removes `k` entries starting at `pos`, shifting later ones down. */
export function removeEntries(block: Block, pos: number, k: number, counts: Int32Array): void {
  const { masks } = block;
  const low = lowBits(pos);
  const gone = lowBits(k) << pos;
  const keep = ~(low | gone);
  for (let f = 0; f < masks.length; f++) {
    const m = masks[f]!;
    if (m === 0) continue;
    masks[f] = (m & low) | ((m & keep) >>> k);
    counts[f]! -= popcount(m & gone);
  }
  block.ads.splice(pos, k);
}

/** Moves the entries from `at` on into a new block, which is returned. */
export function splitBlock(block: Block, at: number): Block {
  const right: Block = { ads: block.ads.splice(at), masks: new Uint32Array(block.masks.length) };
  const low = lowBits(at);
  for (let f = 0; f < block.masks.length; f++) {
    const m = block.masks[f]!;
    right.masks[f] = m >>> at;
    block.masks[f] = m & low;
  }
  return right;
}

/** Appends all entries of `right` to `left`; together they must fit in 32. */
export function mergeInto(left: Block, right: Block): void {
  const n = left.ads.length;
  for (let f = 0; f < left.masks.length; f++) left.masks[f]! |= right.masks[f]! << n;
  for (const ad of right.ads) left.ads.push(ad);
}

/** Gives the block room for `features` features (new ones all clear). */
export function growBlock(block: Block, features: number): void {
  const masks = new Uint32Array(features);
  masks.set(block.masks);
  block.masks = masks;
}
