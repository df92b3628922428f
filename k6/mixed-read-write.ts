/**
 * Reads and writes together, each at its own constant arrival rate for DURATION (default 1m):
 *   reads   READ_RATE/s (default 1,000) of the seed query mix;
 *   updates UPDATE_RATE/s (default 20): PUT of a random seed ad (new conditions and end);
 *   creates CREATE_RATE/s (default 5): POST an ad, read it back (read-your-writes), DELETE it.
 * Creates count against MAX_ADS_PER_DAY and, for a moment, MAX_ACTIVE_ADS: start the server with
 * MAX_ADS_PER_DAY=0 MAX_ACTIVE_ADS=0, or a 429 `quota_exceeded` fails the `created` check.
 *
 *   k6 run -e BASE_URL=http://127.0.0.1:3000 k6/mixed-read-write.ts
 */
import { check } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import type { Options } from 'k6/options';
import { ADMIN_HEADERS, BASE_URL, envInt, envString } from './lib/env.ts';
import { adBody, pick, queryPath } from './lib/mix.ts';
import { ensureSeed } from './lib/seed.ts';

const duration = envString('DURATION', '1m');
const readRate = envInt('READ_RATE', 1_000);

export const options: Options = {
  scenarios: {
    reads: {
      executor: 'constant-arrival-rate',
      exec: 'read',
      rate: readRate,
      timeUnit: '1s',
      duration,
      preAllocatedVUs: Math.max(50, Math.ceil(readRate / 50)),
      maxVUs: Math.max(200, Math.ceil(readRate / 5)),
    },
    updates: {
      executor: 'constant-arrival-rate',
      exec: 'update',
      rate: envInt('UPDATE_RATE', 20),
      timeUnit: '1s',
      duration,
      preAllocatedVUs: 10,
      maxVUs: 100,
    },
    creates: {
      executor: 'constant-arrival-rate',
      exec: 'createReadDelete',
      rate: envInt('CREATE_RATE', 5),
      timeUnit: '1s',
      duration,
      preAllocatedVUs: 5,
      maxVUs: 50,
    },
  },
  thresholds: {
    http_req_failed: ['rate<0.001'],
    'http_req_duration{scenario:reads}': ['p(99)<50'],
    'http_req_duration{scenario:updates}': ['p(99)<200'],
    'http_req_duration{scenario:creates}': ['p(99)<200'],
    checks: ['rate>0.999'],
  },
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(99)', 'max'],
};

interface Data {
  ids: string[];
}

export function setup(): Data {
  return { ids: ensureSeed() };
}

export function read(): void {
  const res = http.get(`${BASE_URL}${queryPath()}`, { tags: { name: 'GET /api/v1/ad' } });
  check(res, { 'read 200': (r) => r.status === 200 });
}

export function update(data: Data): void {
  const id = pick(data.ids);
  const body = JSON.stringify(adBody(`AD updated ${exec.scenario.iterationInTest}`));
  const res = http.put(`${BASE_URL}/api/v1/ad/${id}`, body, {
    headers: ADMIN_HEADERS,
    tags: { name: 'PUT /api/v1/ad/:id' },
  });
  check(res, { updated: (r) => r.status === 200 });
}

export function createReadDelete(): void {
  const title = `k6 ${exec.vu.idInTest}-${exec.scenario.iterationInTest}`;
  const created = http.post(`${BASE_URL}/api/v1/ad`, JSON.stringify(adBody(title)), {
    headers: ADMIN_HEADERS,
    tags: { name: 'POST /api/v1/ad' },
  });
  if (!check(created, { created: (r) => r.status === 201 })) return;
  const { id } = created.json() as { id: string };
  const tags = { name: 'GET /api/v1/ad/:id' };
  const read = http.get(`${BASE_URL}/api/v1/ad/${id}`, { headers: ADMIN_HEADERS, tags });
  check(read, {
    'read own write': (r) => r.status === 200 && (r.json() as { title?: string }).title === title,
  });
  const deleted = http.del(`${BASE_URL}/api/v1/ad/${id}`, null, {
    headers: ADMIN_HEADERS,
    tags: { name: 'DELETE /api/v1/ad/:id' },
  });
  check(deleted, { deleted: (r) => r.status === 204 });
}
