/**
 * Micro-benchmark of the targeting index against brute force on the seed query mix.
 * Run: `npx tsx bench/index-bench.ts [sizes…]` (default 1000 10000 100000).
 * Prints a table and writes `bench/results/index-<timestamp>.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ad } from '../src/statemachine/ad.js';
import { bruteForcePage } from '../src/index/brute-force.js';
import { createTargetingIndex } from '../src/index/targeting-index.js';
import type { AdIndex } from '../src/index/ad-index.js';
import {
  BENCH_NOW,
  createRng,
  randomInt,
  seedAds,
  seedConditionSet,
  seedQueryMix,
  type SeedQuery,
} from './dataset.js';

const MIN_MS = Number(process.env.BENCH_MS ?? 1500);
const sizes = process.argv.slice(2).map(Number);
const SIZES = sizes.length > 0 ? sizes : [1_000, 10_000, 100_000];
const queries = seedQueryMix(10_000, createRng(42));

let sink = 0;

/** Runs `op(i)` for i = 0, 1, … in batches until `minMs` have passed; returns ops per second. */
function rate(op: (i: number) => void, minMs: number, batch: number): number {
  let done = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    for (let k = 0; k < batch; k++) op(done++);
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  return (done / elapsed) * 1000;
}

/** Queries/s of the index on the mix; `between` runs every 256 queries (the mixed workload's writes). */
function queryRate(index: AdIndex, minMs: number, between?: () => void): number {
  let done = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    if (between) between();
    for (let k = 0; k < 256; k++) {
      const q: SeedQuery = queries[done++ % queries.length]!;
      sink += index.page(q.query, BENCH_NOW, q.offset, q.limit).length;
    }
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  return (done / elapsed) * 1000;
}

function checkAgainstBruteForce(index: AdIndex, ads: readonly Ad[]): void {
  for (const q of queries.slice(0, 300)) {
    const got = index.page(q.query, BENCH_NOW, q.offset, q.limit).map((a) => a.id);
    const want = bruteForcePage(ads, q.query, BENCH_NOW, q.offset, q.limit).map((a) => a.id);
    if (got.join() !== want.join())
      throw new Error(`index disagrees with brute force on ${JSON.stringify(q)}`);
  }
}

/** The same ad with new conditions and a new end, as an admin update would make it. */
function changed(ad: Ad, rng: () => number): Ad {
  const endAt = BENCH_NOW + randomInt(rng, 1, 30 * 1_440) * 60_000;
  return { ...ad, endAt, conditions: [seedConditionSet(rng)], version: ad.version + 1 };
}

interface Row {
  ads: number;
  buildMs: number;
  indexQps: number;
  bruteQps: number;
  speedup: number;
  qpsWith100WritesPerSec: number;
  upsertUs: number;
  removeUs: number;
  insertUs: number;
  heapMb: number;
}

function benchSize(n: number): Row {
  const ads = seedAds(n, { seed: n });
  const heapBefore = process.memoryUsage().heapUsed;
  const index = createTargetingIndex();
  const buildStart = performance.now();
  for (const ad of ads) index.upsert(ad);
  const buildMs = performance.now() - buildStart;
  global.gc?.();
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  checkAgainstBruteForce(index, ads);

  queryRate(index, 300);
  const indexQps = queryRate(index, MIN_MS);
  const bruteQps = rate(
    (i) => {
      const q = queries[i % queries.length]!;
      sink += bruteForcePage(ads, q.query, BENCH_NOW, q.offset, q.limit).length;
    },
    Math.min(MIN_MS, 1_000),
    1,
  );

  const rng = createRng(7);
  const live = new Map(ads.map((ad) => [ad.id, ad]));
  const ids = ads.map((ad) => ad.id);
  const update = (): void => {
    const ad = live.get(ids[randomInt(rng, 0, ids.length - 1)]!)!;
    const next = changed(ad, rng);
    live.set(ad.id, next);
    index.upsert(next);
  };
  let nextWrite = performance.now() + 10;
  const mixedQps = queryRate(index, MIN_MS, () => {
    if (performance.now() >= nextWrite) {
      update();
      nextWrite += 10;
    }
  });

  const writes = Math.min(2_000, n);
  const timeOps = (op: (i: number) => void): number => {
    const start = performance.now();
    for (let i = 0; i < writes; i++) op(i);
    return ((performance.now() - start) * 1000) / writes;
  };
  const upsertUs = timeOps(update);
  const victims = ids.slice(0, writes).map((id) => live.get(id)!);
  const removeUs = timeOps((i) => index.remove(victims[i]!.id));
  const insertUs = timeOps((i) => index.upsert(victims[i]!));
  checkAgainstBruteForce(index, [...live.values()]);

  return {
    ads: n,
    buildMs: round(buildMs),
    indexQps: Math.round(indexQps),
    bruteQps: Math.round(bruteQps),
    speedup: Math.round(indexQps / bruteQps),
    qpsWith100WritesPerSec: Math.round(mixedQps),
    upsertUs: round(upsertUs),
    removeUs: round(removeUs),
    insertUs: round(insertUs),
    heapMb: round(heapMb),
  };
}

const round = (x: number): number => Math.round(x * 100) / 100;

const rows = SIZES.map(benchSize);
console.table(rows);
const results = join(dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(results, { recursive: true });
const file = join(results, `index-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
const meta = { node: process.version, minMs: MIN_MS, queryMix: queries.length, now: BENCH_NOW, sink };
writeFileSync(file, JSON.stringify({ ...meta, rows }, null, 2) + '\n');
console.log(`wrote ${file}`);
