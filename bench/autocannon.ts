/**
 * Drives autocannon (an npm devDependency), the fallback when wrk is not installed. It runs in
 * this process and builds every request in JavaScript, so it loads the machine more than wrk
 * and reports lower req/s for the same server (about a quarter lower here).
 */
import { createRequire } from 'node:module';
import { createRng, randomInt, seedConditionSet, seedQueryMix } from './dataset.js';
import type { LoadOptions, LoadResult } from './load-tool.js';
import { queryPath } from './reference-check.js';

interface RequestData {
  method?: string;
  path?: string;
  body?: string;
  headers?: Record<string, string>;
}

interface Histogram {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  latency: Histogram;
  requests: { total: number };
}

interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  timeout: number;
  requests: { setupRequest: (req: RequestData) => RequestData }[];
}

type Autocannon = (opts: AutocannonOptions) => Promise<AutocannonResult>;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export const autocannonTool = async (opts: LoadOptions): Promise<LoadResult> => {
  const rng = createRng(Date.now() >>> 0);
  let counter = 0;
  const setupRequest =
    opts.kind === 'read'
      ? (req: RequestData): RequestData => ({
          ...req,
          method: 'GET',
          path: queryPath(seedQueryMix(1, rng)[0]!),
        })
      : (req: RequestData): RequestData => {
          const now = Date.now();
          const body = {
            title: `BENCH ${++counter}`,
            startAt: new Date(now - 3_600_000).toISOString(),
            endAt: new Date(now + randomInt(rng, 1, 30 * 1_440) * 60_000).toISOString(),
            conditions: seedConditionSet(rng),
          };
          return {
            ...req,
            method: 'POST',
            path: '/api/v1/ad',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          };
        };
  const r = await autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: opts.durationS,
    timeout: 5,
    requests: [{ setupRequest }],
  });
  const ms = (x: number) => Math.round(x * 1000) / 1000;
  return {
    tool: 'autocannon',
    connections: opts.connections,
    durationS: r.duration,
    requests: r.requests.total,
    rps: Math.round(r.requests.total / r.duration),
    latencyMs: {
      p50: ms(r.latency.p50),
      p90: ms(r.latency.p90),
      p99: ms(r.latency.p99),
      max: ms(r.latency.max),
      mean: ms(r.latency.mean),
    },
    non2xx: r.non2xx,
    // autocannon counts a timeout in `errors` too
    socketErrors: r.errors,
  };
};
