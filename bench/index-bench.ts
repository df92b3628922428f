/**
 * The targeting index alone, in process, single thread (`npm run bench -- --index [sizes…]`):
 * build time, pages/s of the query mix against brute force (300 answers checked, 30 at 100,000 ads), pages/s with
 * 100 updates/s, upsert/remove cost and memory. `BENCH_MS` sets one timed run (default 1000 ms);
 * the best of 3 runs is kept.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { AdIndex } from '../src/index/ad-index.js';
import { bruteForcePage } from '../src/index/brute-force.js';
import { createTargetingIndex } from '../src/index/targeting-index.js';
import type { Ad } from '../src/model/ad.js';
import { createRng, randomInt, seedAds, seedConditions, seedQuery } from './mix.js';
import { round } from './stats.js';

const RUN_MS = Number(process.env.BENCH_MS ?? 1_000);
const NOW = Date.UTC(2026, 11, 22, 1, 0, 0);
const rng = createRng(42);
const queries = Array.from({ length: 10_000 }, () => seedQuery(rng));
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
let sink = 0;

/** `n` seed ads as the index holds them (ids drawn from the PRNG, so runs are repeatable). */
function ads(n: number): Ad[] {
  const idRng = createRng(n);
  const hex = () =>
    Math.floor(idRng() * 2 ** 32)
      .toString(16)
      .padStart(8, '0');
  return seedAds(n, n, NOW).map((ad) => {
    const h = hex() + hex() + hex() + hex();
    const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-7${h.slice(13, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    return { ...ad, id, version: 1, createdAt: ad.startAt, updatedAt: ad.startAt };
  });
}

/** Best pages/s over 3 runs of RUN_MS; `between` runs before every 256 queries. */
function rate(page: (i: number) => number, between?: () => void): number {
  let best = 0;
  for (let r = 0; r < 3; r++) {
    let done = 0;
    const start = performance.now();
    do {
      between?.();
      for (let k = 0; k < 256; k++) sink += page(done++);
    } while (performance.now() - start < RUN_MS);
    best = Math.max(best, (done / (performance.now() - start)) * 1000);
  }
  return Math.round(best);
}

/** Compares the index with brute force on 300 queries (fewer past 10,000 ads: brute force sorts them all). */
function check(index: AdIndex, all: readonly Ad[]): void {
  for (const q of queries.slice(0, Math.min(300, Math.ceil(3e6 / all.length)))) {
    const got = index
      .page(q.query, NOW, q.offset, q.limit)
      .map((a) => a.id)
      .join();
    if (
      got !==
      bruteForcePage(all, q.query, NOW, q.offset, q.limit)
        .map((a) => a.id)
        .join()
    )
      throw new Error(`index disagrees with brute force on ${JSON.stringify(q)}`);
  }
}

const heapMb = () => {
  gc();
  const m = process.memoryUsage();
  return (m.heapUsed + m.arrayBuffers) / 2 ** 20;
};

/** Average microseconds per call of `op(0..n-1)`. */
function micros(n: number, op: (i: number) => void): number {
  const start = performance.now();
  for (let i = 0; i < n; i++) op(i);
  return round(((performance.now() - start) * 1000) / n, 2);
}

function benchSize(n: number) {
  const all = ads(n);
  const before = heapMb();
  const index = createTargetingIndex();
  const t0 = performance.now();
  for (const ad of all) index.upsert(ad);
  const buildMs = round(performance.now() - t0, 1);
  const indexMb = round(heapMb() - before, 1);
  check(index, all);
  const q = (i: number) => queries[i % queries.length]!;
  const page = (i: number) => index.page(q(i).query, NOW, q(i).offset, q(i).limit).length;
  const indexPerSec = rate(page);
  const brute = (i: number) => bruteForcePage(all, q(i).query, NOW, q(i).offset, q(i).limit).length;
  // one brute-force page per 256 counted iterations, so `rate` checks its clock often enough
  const brutePerSec = rate((i) => (i % 256 === 0 ? brute(i) : 0)) / 256;

  const live = new Map(all.map((ad) => [ad.id, ad]));
  const ids = [...live.keys()];
  const wr = createRng(7);
  const update = (): void => {
    const ad = live.get(ids[randomInt(wr, 0, ids.length - 1)]!)!;
    const next = {
      ...ad,
      endAt: NOW + randomInt(wr, 1, 30 * 1_440) * 60_000,
      conditions: [seedConditions(wr)],
      version: ad.version + 1,
    };
    live.set(ad.id, next);
    index.upsert(next);
  };
  let nextWrite = performance.now();
  const with100Writes = rate(page, () => {
    if (performance.now() < nextWrite) return;
    update();
    nextWrite += 10;
  });
  const upsertUs = micros(5_000, update);
  const victims = ids.slice(0, Math.min(5_000, n)).map((id) => live.get(id)!);
  const removeUs = micros(victims.length, (i) => index.remove(victims[i]!.id));
  const insertUs = micros(victims.length, (i) => index.upsert(victims[i]!));
  check(index, [...live.values()]);
  return {
    ads: n,
    indexPerSec,
    brutePerSec: Math.round(brutePerSec),
    with100Writes,
    upsertUs,
    removeUs,
    insertUs,
    buildMs,
    indexMb,
  };
}

export function indexBench(sizes: number[]) {
  console.log('\n== index micro-benchmark (pages/s, single thread, in process) ==');
  const rows = (sizes.length > 0 ? sizes : [1_000, 10_000, 100_000]).map(benchSize);
  console.table(rows);
  return { rows, sink };
}
