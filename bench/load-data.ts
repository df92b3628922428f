/**
 * Creates a dataset through the real admin API (`POST /api/v1/ad`, many at once) and keeps what
 * it sent together with the ids the server gave, for the reference check.
 */
import type { ConditionSet } from '../src/model/ad.js';
import { seedAds } from './dataset.js';
import { createHttpClient, forEachConcurrent } from './http-client.js';
import type { RefAd } from './reference-check.js';
import { percentile } from './report.js';

export type DatasetName = 'seed' | 'scale';

/** Active ads per dataset. Both use the seed's condition sets (ages 18-62..64, 1-2 genders, 1-6 countries, 1-3 platforms). */
export const DATASET_SIZE: Record<DatasetName, number> = { seed: 1_000, scale: 100_000 };

const DAY = 86_400_000;

export interface AdBody {
  readonly title: string;
  readonly startAt: string;
  readonly endAt: string;
  readonly conditions: readonly ConditionSet[];
}

/**
 * `n` create bodies, every ad active now: started up to 30 days ago, ending 1 to 31 days from now
 * on a whole minute (the seed generator's window moved one day on, so nothing expires during a run).
 */
export function datasetBodies(n: number, now = Date.now()): AdBody[] {
  return seedAds(n, { seed: n, now }).map((ad) => ({
    title: ad.title,
    startAt: new Date(ad.startAt).toISOString(),
    endAt: new Date(ad.endAt + DAY).toISOString(),
    conditions: ad.conditions,
  }));
}

export interface LoadDataResult {
  readonly ads: RefAd[];
  readonly requested: number;
  readonly created: number;
  readonly ms: number;
  readonly createsPerSec: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly retries: number;
  /** Failed creates (status and body), at most 10 kept. */
  readonly errors: string[];
  readonly errorCount: number;
}

/**
 * Posts every body with `concurrency` requests in flight. With `idempotencyKeys` every create
 * carries an `Idempotency-Key` and socket errors are retried (the key makes that safe); the server
 * then also remembers one reply per ad, which costs memory. Without, nothing is retried.
 */
export async function loadAds(
  baseUrl: string,
  bodies: readonly AdBody[],
  concurrency = 32,
  idempotencyKeys = false,
): Promise<LoadDataResult> {
  const client = createHttpClient(baseUrl, concurrency);
  const runId = Date.now().toString(36);
  const ads: RefAd[] = [];
  const latencies: number[] = [];
  const errors: string[] = [];
  let errorCount = 0;
  let retries = 0;
  const fail = (msg: string) => {
    errorCount++;
    if (errors.length < 10) errors.push(msg);
  };
  const start = performance.now();
  let lastReport = start;
  await forEachConcurrent(bodies.length, concurrency, async (i) => {
    const body = bodies[i]!;
    for (let attempt = 1; ; attempt++) {
      try {
        const key = idempotencyKeys ? { 'idempotency-key': `bench-${runId}-${i}` } : undefined;
        const res = await client.request('POST', '/api/v1/ad', body, key);
        latencies.push(res.ms);
        if (res.status !== 201) return fail(`#${i}: ${res.status} ${res.body.slice(0, 200)}`);
        const got = JSON.parse(res.body) as { id?: unknown; title?: unknown; endAt?: unknown };
        if (typeof got.id !== 'string' || got.title !== body.title || got.endAt !== body.endAt) {
          return fail(`#${i}: 201 with an unexpected body ${res.body.slice(0, 200)}`);
        }
        ads.push({
          id: got.id,
          title: body.title,
          startAt: Date.parse(body.startAt),
          endAt: Date.parse(body.endAt),
          conditions: body.conditions,
        });
        break;
      } catch (err) {
        if (!idempotencyKeys || attempt >= 3) return fail(`#${i}: ${(err as Error).message}`);
        retries++;
      }
    }
    const now = performance.now();
    if (now - lastReport > 5_000) {
      lastReport = now;
      const rate = Math.round(ads.length / ((now - start) / 1000));
      process.stdout.write(`  … ${ads.length}/${bodies.length} created (${rate}/s)\n`);
    }
  });
  const ms = performance.now() - start;
  client.close();
  latencies.sort((a, b) => a - b);
  return {
    ads,
    requested: bodies.length,
    created: ads.length,
    ms: Math.round(ms),
    createsPerSec: Math.round(ads.length / (ms / 1000)),
    latencyMs: {
      p50: round2(percentile(latencies, 50)),
      p99: round2(percentile(latencies, 99)),
      max: round2(latencies.at(-1) ?? 0),
    },
    retries,
    errors,
    errorCount,
  };
}

const round2 = (x: number): number => Math.round(x * 100) / 100;
