/**
 * The public API at a constant arrival rate: RATE queries per second (default 2,000) of the seed
 * query mix for DURATION (default 1m), whatever the latency, so a slow server shows up as latency
 * and dropped iterations rather than as a lower request rate.
 *
 *   k6 run -e BASE_URL=http://127.0.0.1:3000 -e RATE=2000 -e DURATION=1m k6/public-constant-rate.ts
 *
 * setup() creates the seed dataset (1,000 active ads) when the server has none (see lib/seed.ts).
 */
import { check } from 'k6';
import http from 'k6/http';
import type { Options } from 'k6/options';
import { BASE_URL, envInt, envString } from './lib/env.ts';
import { queryPath } from './lib/mix.ts';
import { ensureSeed } from './lib/seed.ts';

const rate = envInt('RATE', 2_000);

export const options: Options = {
  scenarios: {
    public: {
      executor: 'constant-arrival-rate',
      rate,
      timeUnit: '1s',
      duration: envString('DURATION', '1m'),
      preAllocatedVUs: envInt('VUS', Math.max(50, Math.ceil(rate / 50))),
      maxVUs: envInt('MAX_VUS', Math.max(200, Math.ceil(rate / 5))),
    },
  },
  thresholds: {
    'http_req_failed{scenario:public}': ['rate<0.001'],
    'http_req_duration{scenario:public}': ['p(50)<5', 'p(99)<50'],
    dropped_iterations: ['count<1'],
    checks: ['rate>0.999'],
  },
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(99)', 'max'],
};

export function setup(): { ads: number } {
  return { ads: ensureSeed().length };
}

export default function (): void {
  const res = http.get(`${BASE_URL}${queryPath()}`, { tags: { name: 'GET /api/v1/ad' } });
  check(res, {
    'status 200': (r) => r.status === 200,
    'items list': (r) => r.status === 200 && Array.isArray((r.json() as { items?: unknown }).items),
  });
}
