/**
 * Finds the knee: the public query mix at an arrival rate that climbs from START_RATE (default
 * 1,000/s) to MAX_RATE (default 40,000/s) in STEPS steps (default 10) of STEP_SECONDS (default 30) each,
 * ramping for a fifth of each step and holding the rest. The run stops itself once p99 latency
 * passes P99_MS (default 50) or more than 1% of requests fail; the rate reached by then, and the
 * first step with dropped iterations, bound the knee. Pair it with the `http_reqs` rate per step
 * (e.g. `--out csv=ramp.csv`) to see where throughput stops following the offered load.
 *
 *   k6 run -e BASE_URL=http://127.0.0.1:3000 -e MAX_RATE=40000 k6/ramp.ts
 */
import { check } from 'k6';
import http from 'k6/http';
import type { Options } from 'k6/options';
import { BASE_URL, envInt } from './lib/env.ts';
import { queryPath } from './lib/mix.ts';
import { ensureSeed } from './lib/seed.ts';

const start = envInt('START_RATE', 1_000);
const max = envInt('MAX_RATE', 40_000);
const steps = Math.max(1, envInt('STEPS', 10));
const stepSeconds = Math.max(5, envInt('STEP_SECONDS', 30));
const rampSeconds = Math.max(1, Math.round(stepSeconds / 5));

const stages: { target: number; duration: string }[] = [];
for (let i = 1; i <= steps; i++) {
  const target = Math.round(start + ((max - start) * i) / steps);
  stages.push({ target, duration: `${rampSeconds}s` }, { target, duration: `${stepSeconds - rampSeconds}s` });
}

export const options: Options = {
  scenarios: {
    ramp: {
      executor: 'ramping-arrival-rate',
      startRate: start,
      timeUnit: '1s',
      stages,
      preAllocatedVUs: envInt('VUS', 200),
      maxVUs: envInt('MAX_VUS', 2_000),
    },
  },
  thresholds: {
    'http_req_duration{scenario:ramp}': [
      { threshold: `p(99)<${envInt('P99_MS', 50)}`, abortOnFail: true, delayAbortEval: '10s' },
    ],
    'http_req_failed{scenario:ramp}': [{ threshold: 'rate<0.01', abortOnFail: true, delayAbortEval: '10s' }],
  },
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(99)', 'max'],
};

export function setup(): { ads: number } {
  return { ads: ensureSeed().length };
}

export default function (): void {
  const res = http.get(`${BASE_URL}${queryPath()}`, { tags: { name: 'GET /api/v1/ad' } });
  check(res, { 'status 200': (r) => r.status === 200 });
}
