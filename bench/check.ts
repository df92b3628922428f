/**
 * Data through the real API and answers checked against brute force: loading a dataset with
 * `POST /api/v1/ad` (many at once), and comparing pages of the query mix, item by item, with a
 * reference computed from the ads the benchmark created. The matcher is written from the API
 * contract and shares no code with the server, so a fast answer is never a wrong one.
 */
import http from 'node:http';
import { createBody, createRng, queryPath, seedQuery, type SeedAd, type SeedQuery } from './mix.js';
import { percentile, round } from './stats.js';

export interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly ms: number;
}

/** A keep-alive HTTP/1.1 client with at most `sockets` connections. */
export function httpClient(baseUrl: string, sockets = 32, token?: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  const auth = token === undefined ? {} : { authorization: `Bearer ${token}` };
  const request = (method: string, path: string, body?: unknown): Promise<Answer> => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = payload === undefined ? auth : { ...auth, 'content-type': 'application/json' };
    const start = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.request(`${baseUrl}${path}`, { agent, method, headers, timeout: 30_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text,
            ms: performance.now() - start,
          });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  };
  return { request, close: () => agent.destroy() };
}

/** Runs `task(i)` for i in 0..n-1, at most `concurrency` at once. */
export async function forEachConcurrent(n: number, concurrency: number, task: (i: number) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, lane));
}

/** An ad the benchmark created, with the id the server gave it. */
export type CreatedAd = SeedAd & { readonly id: string };

/** `n` ads without conditions, active for 30 days, titled `<title> <i>`, through the API; their ids. */
export async function createPlainAds(baseUrl: string, n: number, title: string): Promise<string[]> {
  const ads: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${baseUrl}/api/v1/ad`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        title: `${title} ${i}`,
        startAt: new Date(Date.now() - 3_600_000).toISOString(),
        endAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      }),
    });
    if (res.status !== 201) throw new Error(`create answered ${res.status}: ${await res.text()}`);
    ads.push(((await res.json()) as { id: string }).id);
  }
  return ads;
}

/** Creates `ads` with `concurrency` requests in flight; creates/s and latency, and what was created. */
export async function loadAds(
  baseUrl: string,
  ads: readonly SeedAd[],
  concurrency = 32,
  /** The admin token, when the server has one. */
  token?: string,
) {
  const client = httpClient(baseUrl, concurrency, token);
  const created: CreatedAd[] = [];
  const latencies: number[] = [];
  const errors: string[] = [];
  const start = performance.now();
  await forEachConcurrent(ads.length, concurrency, async (i) => {
    const res = await client.request('POST', '/api/v1/ad', createBody(ads[i]!)).catch((err: Error) => err);
    if (res instanceof Error || res.status !== 201) {
      errors.push(res instanceof Error ? res.message : `${res.status} ${res.body.slice(0, 200)}`);
      return;
    }
    latencies.push(res.ms);
    created.push({ ...ads[i]!, id: (JSON.parse(res.body) as { id: string }).id });
  });
  const seconds = (performance.now() - start) / 1000;
  client.close();
  latencies.sort((a, b) => a - b);
  const figures = {
    created: created.length,
    createsPerSec: Math.round(created.length / seconds),
    p50Ms: round(percentile(latencies, 50), 2),
    p99Ms: round(percentile(latencies, 99), 2),
    errors: errors.length,
    firstErrors: errors.slice(0, 5),
  };
  return { created, figures };
}

function matches(set: SeedAd['conditions'][number], q: SeedQuery['query']): boolean {
  if (q.age !== undefined && (set.ageStart > q.age || set.ageEnd < q.age)) return false;
  if (q.gender !== undefined && !set.gender.includes(q.gender)) return false;
  if (q.country !== undefined && !set.country.includes(q.country.toUpperCase())) return false;
  return q.platform === undefined || set.platform.includes(q.platform);
}

/** The page the contract asks for: active now, any condition set matching, by `endAt` then `id`. */
export function referencePage(sorted: readonly CreatedAd[], q: SeedQuery, now: number): CreatedAd[] {
  const out: CreatedAd[] = [];
  let skip = q.offset;
  for (const ad of sorted) {
    if (ad.startAt > now || now >= ad.endAt || !ad.conditions.some((s) => matches(s, q.query))) continue;
    if (skip > 0) skip--;
    else if (out.push(ad) >= q.limit) break;
  }
  return out;
}

export const byEndThenId = (ads: readonly CreatedAd[]): CreatedAd[] =>
  [...ads].sort((a, b) => a.endAt - b.endAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

export interface CheckResult {
  readonly queries: number;
  /** Pages that differ from the reference, and answers that were not 200 `{"items": [...]}`. */
  readonly wrong: number;
  readonly meanBytes: number;
  readonly examples: string[];
}

/** `n` queries of the mix with optional filters (`seedQuery`), from PRNG `seed`. */
export const mixQueries = (n: number, seed: number): SeedQuery[] => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => seedQuery(rng));
};

/** Sends `queries` and compares every page with the reference. */
export async function checkAnswers(
  baseUrl: string,
  ads: readonly CreatedAd[],
  queries: readonly SeedQuery[],
) {
  const n = queries.length;
  const sorted = byEndThenId(ads);
  const client = httpClient(baseUrl, 8);
  let wrong = 0;
  let bytes = 0;
  const examples: string[] = [];
  await forEachConcurrent(n, 8, async (i) => {
    const path = queryPath(queries[i]!);
    const res = await client.request('GET', path);
    bytes += Buffer.byteLength(res.body);
    const want = referencePage(sorted, queries[i]!, Date.now()).map(
      (a) => `${a.id} ${a.title} ${new Date(a.endAt).toISOString()}`,
    );
    let got: string[] | undefined;
    try {
      const items = (JSON.parse(res.body) as { items: { id: string; title: string; endAt: string }[] }).items;
      got = items.map((it) => `${it.id} ${it.title} ${it.endAt}`);
    } catch {
      got = undefined;
    }
    if (res.status === 200 && got?.join() === want.join()) return;
    wrong++;
    if (examples.length < 5)
      examples.push(`${path}: ${res.status} ${res.body.slice(0, 200)} want ${want.length} items`);
  });
  client.close();
  return { queries: n, wrong, meanBytes: Math.round(bytes / Math.max(1, n)), examples } satisfies CheckResult;
}
