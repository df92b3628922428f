/**
 * Fires of tracking URLs on their way to the store, and the first-fire bitmaps that make each
 * URL count once. Pure: no I/O, no clock.
 *
 * A fire travels through the spool like an event, with the URL's identity attached; it is not
 * added to a replica's deltas but settled in the flush transaction: each (signer, hour, kind)
 * has a bitmap split into chunks of `CHUNK_BITS` bits (bit `n % CHUNK_BITS` of chunk
 * `floor(n / CHUNK_BITS)`), and a fire counts only when it sets its bit. Bits and sums commit
 * together, so a fire is counted once whichever replica took it, however often it was replayed.
 */
import { floorTo, HOUR, MINUTE, type TypeIndex } from './buckets.js';
import type { CountRow, LastRow } from './deltas.js';
import type { CountBatch } from './tracking-store.js';

/** Bits per stored chunk: 1 KiB, small enough to stay inline in a row. */
export const CHUNK_BITS = 8192;
export const CHUNK_BYTES = CHUNK_BITS / 8;

/** One fire: the URL's kind, ad, fire time, decision (signer, hour, n) and the URL's expiry (epoch ms). */
export interface FireRecord {
  readonly type: TypeIndex;
  readonly adId: string;
  readonly at: number;
  readonly signer: number;
  readonly hour: number;
  readonly n: number;
  readonly expiresAt: number;
}

/** The stored bitmap chunk a fire's bit lives in. */
export interface ChunkKey {
  readonly signer: number;
  readonly hour: number;
  readonly kind: TypeIndex;
  readonly chunk: number;
}

export const chunkKeyOf = (f: FireRecord): ChunkKey => ({
  signer: f.signer,
  hour: f.hour,
  kind: f.type,
  chunk: Math.floor(f.n / CHUNK_BITS),
});

export const chunkId = (k: ChunkKey): string => `${k.signer}:${k.hour}:${k.kind}:${k.chunk}`;

const compareKeys = (a: ChunkKey, b: ChunkKey): number =>
  a.signer - b.signer || a.hour - b.hour || a.kind - b.kind || a.chunk - b.chunk;

/** The distinct chunks of `fires`, in one order for every flush (so concurrent flushes never deadlock). */
export function chunksOf(fires: readonly FireRecord[]): ChunkKey[] {
  const seen = new Map<string, ChunkKey>();
  for (const f of fires) {
    const k = chunkKeyOf(f);
    const id = chunkId(k);
    if (!seen.has(id)) seen.set(id, k);
  }
  return [...seen.values()].sort(compareKeys);
}

/**
 * Sets each fire's bit in its chunk (`chunks` by `chunkId`, changed in place; a missing chunk is
 * taken as all zeros and added) and says, fire by fire, whether it set it: the first fire of a URL
 * in the store's history and in this batch is fresh, every other one a duplicate.
 */
export function markFires(fires: readonly FireRecord[], chunks: Map<string, Uint8Array>): boolean[] {
  return fires.map((f) => {
    const id = chunkId(chunkKeyOf(f));
    let bits = chunks.get(id);
    if (!bits) {
      bits = new Uint8Array(CHUNK_BYTES);
      chunks.set(id, bits);
    }
    const bit = f.n % CHUNK_BITS;
    const mask = 1 << (bit & 7);
    const at = bit >> 3;
    if ((bits[at]! & mask) !== 0) return false;
    bits[at] = bits[at]! | mask;
    return true;
  });
}

/** When a chunk may be forgotten: every fire it records has expired by then. */
export function keepUntil(fires: readonly FireRecord[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of fires) {
    const id = chunkId(chunkKeyOf(f));
    out.set(id, Math.max(out.get(id) ?? 0, f.expiresAt));
  }
  return out;
}

type Sums = Map<string, [adId: string, start: number, impressions: number, clicks: number]>;

const addRow = (sums: Sums, adId: string, start: number, impressions: number, clicks: number): void => {
  const key = `${start}\u0000${adId}`;
  const row = sums.get(key);
  if (row) {
    row[2] += impressions;
    row[3] += clicks;
  } else sums.set(key, [adId, start, impressions, clicks]);
};

const rowsOf = (sums: Sums): CountRow[] =>
  [...sums.values()]
    .map(([adId, start, impressions, clicks]) => ({ adId, start, impressions, clicks }))
    .sort((a, b) => (a.adId < b.adId ? -1 : a.adId > b.adId ? 1 : a.start - b.start));

/**
 * `batch` plus one count per fresh fire at its `at` (minute rows only from `minutesFrom`), rows
 * sorted by (ad id, start) as a flush needs them.
 */
export function withFreshFires(
  batch: CountBatch,
  fires: readonly FireRecord[],
  fresh: readonly boolean[],
  minutesFrom: number,
): CountBatch {
  if (!fresh.includes(true)) return batch;
  const minutes: Sums = new Map();
  const hours: Sums = new Map();
  const last = new Map<string, [number | null, number | null]>();
  for (const r of batch.minutes) addRow(minutes, r.adId, r.start, r.impressions, r.clicks);
  for (const r of batch.hours) addRow(hours, r.adId, r.start, r.impressions, r.clicks);
  for (const r of batch.last) last.set(r.adId, [r.impression, r.click]);
  fires.forEach((f, i) => {
    if (!fresh[i]) return;
    const [imp, click] = f.type === 0 ? [1, 0] : [0, 1];
    const minute = floorTo(f.at, MINUTE);
    if (minute >= minutesFrom) addRow(minutes, f.adId, minute, imp, click);
    addRow(hours, f.adId, floorTo(f.at, HOUR), imp, click);
    const pair = last.get(f.adId) ?? [null, null];
    pair[f.type] = Math.max(pair[f.type] ?? f.at, f.at);
    last.set(f.adId, pair);
  });
  const lastRows: LastRow[] = [...last]
    .map(([adId, [impression, click]]) => ({ adId, impression, click }))
    .sort((a, b) => (a.adId < b.adId ? -1 : a.adId > b.adId ? 1 : 0));
  return { minutes: rowsOf(minutes), hours: rowsOf(hours), last: lastRows };
}
