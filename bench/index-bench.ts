/**
 * Micro-benchmark of the targeting index against brute force on the seed query mix, single thread,
 * in process (the page is found; nothing is serialised).
 * Run: `npx tsx bench/index-bench.ts [sizes…]` (default 1000 10000 100000); `BENCH_MS` sets the
 * length of one timed run (default 1000), `BENCH_REPEAT` how many runs keep their best (default 3).
 * Prints a table and writes `bench/results/index-<timestamp>.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Ad } from '../src/model/ad.js';
import type { AdIndex } from '../src/index/ad-index.js';
import { bruteForcePage } from '../src/index/brute-force.js';
import { createTargetingIndex } from '../src/index/targeting-index.js';
import {
  BENCH_NOW,
  createRng,
  randomInt,
  seedAds,
  seedConditionSet,
  seedQueryMix,
  type SeedQuery,
} from './dataset.js';

const RUN_MS = Number(process.env.BENCH_MS ?? 1_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const argSizes = process.argv.slice(2).map(Number);
const SIZES = argSizes.length > 0 ? argSizes : [1_000, 10_000, 100_000];
const queries = seedQueryMix(10_000, createRng(42));

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
let sink = 0;

/** Best queries/s over `REPEAT` runs; `between` runs before every 256 queries. */
function queryRate(index: AdIndex, between?: () => void): number {
  let best = 0;
  for (let r = 0; r < REPEAT; r++) {
    let done = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      between?.();
      for (let k = 0; k < 256; k++) {
        const q: SeedQuery = queries[done++ % queries.length]!;
        sink += index.page(q.query, BENCH_NOW, q.offset, q.limit).length;
      }
      elapsed = performance.now() - start;
    } while (elapsed < RUN_MS);
    best = Math.max(best, (done / elapsed) * 1000);
  }
  return best;
}

function bruteRate(ads: readonly Ad[]): number {
  let done = 0;
  const start = performance.now();
  do {
    const q = queries[done++ % queries.length]!;
    sink += bruteForcePage(ads, q.query, BENCH_NOW, q.offset, q.limit).length;
  } while (performance.now() - start < RUN_MS || done < 5);
  return (done / (performance.now() - start)) * 1000;
}

function checkAgainstBruteForce(index: AdIndex, ads: readonly Ad[]): void {
  for (const q of queries.slice(0, 300)) {
    const got = index.page(q.query, BENCH_NOW, q.offset, q.limit).map((a) => a.id);
    const want = bruteForcePage(ads, q.query, BENCH_NOW, q.offset, q.limit).map((a) => a.id);
    if (got.join() !== want.join())
      throw new Error(`index disagrees with brute force on ${JSON.stringify(q)}`);
  }
}

/** Heap plus typed-array buffers, after a full collection. */
function memoryMb(): number {
  gc();
  const m = process.memoryUsage();
  return (m.heapUsed + m.arrayBuffers) / 2 ** 20;
}

/** Average microseconds per call of `op(0..n-1)`. */
function microsPerOp(n: number, op: (i: number) => void): number {
  const start = performance.now();
  for (let i = 0; i < n; i++) op(i);
  return ((performance.now() - start) * 1000) / n;
}

const round = (x: number): number => Math.round(x * 100) / 100;

function benchSize(n: number) {
  const ads = seedAds(n, { seed: n });
  const before = memoryMb();
  const index = createTargetingIndex();
  const buildMs = performance.now();
  for (const ad of ads) index.upsert(ad);
  const build = performance.now() - buildMs;
  const indexMb = memoryMb() - before;
  checkAgainstBruteForce(index, ads);

  queryRate(index);
  const indexQps = queryRate(index);
  const bruteQps = bruteRate(ads);

  const rng = createRng(7);
  const live = new Map(ads.map((ad) => [ad.id, ad]));
  const ids = ads.map((ad) => ad.id);
  const update = (): void => {
    const ad = live.get(ids[randomInt(rng, 0, ids.length - 1)]!)!;
    const endAt = BENCH_NOW + randomInt(rng, 1, 30 * 1_440) * 60_000;
    const next: Ad = { ...ad, endAt, conditions: [seedConditionSet(rng)], version: ad.version + 1 };
    live.set(ad.id, next);
    index.upsert(next);
  };
  let nextWrite = performance.now();
  const mixedQps = queryRate(index, () => {
    if (performance.now() < nextWrite) return;
    update();
    nextWrite += 10;
  });

  microsPerOp(10_000, update);
  const upsertUs = microsPerOp(5_000, update);
  const writes = Math.min(5_000, n);
  const victims = ids.slice(0, writes).map((id) => live.get(id)!);
  const removeUs = microsPerOp(writes, (i) => index.remove(victims[i]!.id));
  const insertUs = microsPerOp(writes, (i) => index.upsert(victims[i]!));
  checkAgainstBruteForce(index, [...live.values()]);

  return {
    ads: n,
    indexQps: Math.round(indexQps),
    bruteQps: Math.round(bruteQps),
    speedup: Math.round(indexQps / bruteQps),
    qpsWith100WritesPerSec: Math.round(mixedQps),
    upsertUs: round(upsertUs),
    removeUs: round(removeUs),
    insertUs: round(insertUs),
    buildMs: round(build),
    indexMb: round(indexMb),
  };
}

const rows = SIZES.map(benchSize);
console.table(rows);
const results = join(dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(results, { recursive: true });
const file = join(results, `index-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
const meta = {
  node: process.version,
  runMs: RUN_MS,
  repeat: REPEAT,
  loadavg: loadavg(),
  now: BENCH_NOW,
  sink,
};
writeFileSync(file, JSON.stringify({ ...meta, rows }, null, 2) + '\n');
console.log(
  `wrote ${file} (load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')})`,
);
