import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.js';
import { AUTH_FAILURES, createAuthFailures } from '../../src/http/edge/auth-limit.js';
import { createMemoryRateLimiter } from '../../src/ratelimit/rate-limiter.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { adBody, expectError } from './helpers.js';

/** Repeated 401s from one address: 429 rate_limited with Retry-After. */

const TOKEN = 'the-right-token';
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ adminToken: TOKEN });
});
afterAll(() => t.close());

/** A request as if from `address` (node-server puts the socket in the env). */
const from = (app: ReturnType<typeof createApp>, address: string, path: string, init: RequestInit = {}) =>
  app.request(path, init, { incoming: { socket: { remoteAddress: address } } });

const wrong = { headers: { authorization: 'Bearer guess' } };
const right = { headers: { authorization: `Bearer ${TOKEN}` } };

function appWith(limiter = createMemoryRateLimiter(AUTH_FAILURES)) {
  return createApp({
    service: t.service,
    adminToken: TOKEN,
    logger: pino({ level: 'silent' }),
    authFailures: createAuthFailures(limiter),
  });
}

describe('failed authentications', () => {
  it(`allow ${AUTH_FAILURES.points} per minute per address, then 429 with Retry-After`, async () => {
    const app = appWith();
    for (let i = 0; i < AUTH_FAILURES.points; i++) {
      expect((await from(app, '10.0.0.1', '/api/v1/ad/x', wrong)).status).toBe(401);
    }
    const res = await from(app, '10.0.0.1', '/api/v1/ad/x', wrong);
    await expectError(res, 429, 'rate_limited');
    const retry = Number(res.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(50);
    expect(retry).toBeLessThanOrEqual(60);
  });

  it('refuse even the right token from a blocked address, on every admin route', async () => {
    // The replica's own server behind a trusted proxy (this test, on 127.0.0.1): the address is the
    // forwarded one, and the create is answered on node:http, the other admin routes by hono.
    const proxied = await createTestApp({ adminToken: TOKEN, config: { TRUST_PROXY: ['127.0.0.1'] } });
    try {
      const url = `http://127.0.0.1:${await proxied.listen()}`;
      const from = (
        address: string,
        path: string,
        init: { method?: string; body?: string; headers: Record<string, string> },
      ) => fetch(`${url}${path}`, { ...init, headers: { ...init.headers, 'x-forwarded-for': address } });
      for (let i = 0; i < AUTH_FAILURES.points; i++)
        expect((await from('10.0.0.2', '/api/v1/ad', { method: 'POST', ...wrong })).status).toBe(401);
      expect((await from('10.0.0.2', '/api/v1/ad/x', right)).status).toBe(429);
      const post = {
        method: 'POST',
        body: JSON.stringify(adBody()),
        headers: { ...right.headers, 'content-type': 'application/json' },
      };
      await expectError(await from('10.0.0.2', '/api/v1/ad', post), 429, 'rate_limited');
      expect((await from('10.0.0.2', '/api/v1/admin/ads', right)).status).toBe(429);
      // Another address is served: the create is made.
      expect((await from('10.0.0.9', '/api/v1/ad', post)).status).toBe(201);
    } finally {
      await proxied.close();
    }
  });

  it('leave other addresses and the open routes alone', async () => {
    const app = appWith();
    for (let i = 0; i < AUTH_FAILURES.points + 5; i++) await from(app, '10.0.0.3', '/api/v1/ad/x', wrong);
    expect((await from(app, '10.0.0.4', '/api/v1/ad/missing', right)).status).toBe(404);
    expect((await from(app, '10.0.0.3', '/healthz')).status).toBe(200);
    expect((await from(app, '10.0.0.3', '/openapi.json')).status).toBe(200);
  });

  it('leave the public query alone, as the replica serves it', async () => {
    const url = `http://127.0.0.1:${await t.listen()}`;
    let last = 0;
    for (let i = 0; i < AUTH_FAILURES.points + 5; i++)
      last = (await fetch(`${url}/api/v1/ad/x`, wrong)).status;
    expect(last).toBe(429);
    expect((await fetch(`${url}/api/v1/ad`)).status).toBe(200);
    expect((await fetch(`${url}/api/v1/ad?limit=1`, wrong)).status).toBe(200);
  });

  it('do not count successes', async () => {
    const app = appWith();
    for (let i = 0; i < AUTH_FAILURES.points * 2; i++) {
      expect((await from(app, '10.0.0.5', '/api/v1/ad/missing', right)).status).toBe(404);
    }
  });

  it('share one budget between replicas that share a limiter (Redis in replicated mode)', async () => {
    const shared = createMemoryRateLimiter(AUTH_FAILURES);
    const [one, two] = [appWith(shared), appWith(shared)];
    for (let i = 0; i < AUTH_FAILURES.points / 2; i++) {
      await from(one, '10.0.0.6', '/api/v1/ad/x', wrong);
      await from(two, '10.0.0.6', '/api/v1/ad/x', wrong);
    }
    expect((await from(one, '10.0.0.6', '/api/v1/ad/x', wrong)).status).toBe(429);
    expect((await from(two, '10.0.0.6', '/api/v1/ad/x', wrong)).status).toBe(429);
  });
});
