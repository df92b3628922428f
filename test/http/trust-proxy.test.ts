import { afterAll, describe, expect, it } from 'vitest';
import { AUTH_FAILURES } from '../../src/http/edge/auth-limit.js';
import { createMemoryRateLimiter } from '../../src/ratelimit/rate-limiter.js';
import { exchange } from '../support/raw-http.js';
import { startDecisionsApp, type DecisionsApp } from '../support/decisions-app.js';

/**
 * TRUST_PROXY: the per-address limits (the 401 throttle, the events rate limit) key on the client
 * behind a trusted proxy, and on the peer for everyone else, whatever X-Forwarded-For they forge.
 * The test's requests all come from 127.0.0.1.
 */

const ADMIN = 'admin-token-behind-a-proxy';
const apps: DecisionsApp[] = [];
afterAll(async () => {
  for (const a of apps) await a.close();
});

async function start(trustProxy: string | undefined, eventsRateLimit = 0) {
  const a = await startDecisionsApp({
    adminToken: ADMIN,
    config: { TRUST_PROXY: trustProxy === undefined ? [] : [trustProxy], EVENTS_RATE_LIMIT: eventsRateLimit },
    // A minute's window rather than EVENTS_RATE_LIMIT's second: a loaded machine cannot outwait it.
    rateLimiters: { events: createMemoryRateLimiter({ points: eventsRateLimit, durationSeconds: 60 }) },
  });
  apps.push(a);
  return Number(new URL(a.url).port);
}

/** `GET /api/v1/ad/missing` (admin) with `token`, as forwarded for `xff`: its status. */
async function adminGet(port: number, token: string, xff?: string): Promise<number> {
  const forwarded = xff === undefined ? '' : `X-Forwarded-For: ${xff}\r\n`;
  const res = await exchange(
    port,
    `GET /api/v1/ad/missing HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n${forwarded}Connection: close\r\n\r\n`,
  );
  return res.answers[0]?.status ?? 0;
}

describe('the 401 throttle', () => {
  it('behind a trusted proxy: one budget per forwarded client', async () => {
    const port = await start('127.0.0.1');
    for (let i = 0; i < AUTH_FAILURES.points; i++)
      expect(await adminGet(port, 'guess', '198.51.100.7')).toBe(401);
    expect(await adminGet(port, ADMIN, '198.51.100.7')).toBe(429);
    // Another client behind the same proxy is not locked out.
    expect(await adminGet(port, ADMIN, '198.51.100.8')).toBe(404);
    // A client that writes the blocked one's address left of its own is keyed by its own.
    expect(await adminGet(port, ADMIN, '198.51.100.7, 198.51.100.9')).toBe(404);
    // The blocked client cannot slip out by forging a hop: the proxy appends its real address.
    expect(await adminGet(port, ADMIN, '203.0.113.1, 198.51.100.7')).toBe(429);
  });

  it('from a peer that is not a trusted proxy: a forged X-Forwarded-For changes nothing', async () => {
    const port = await start('10.0.0.0/8');
    for (let i = 0; i < AUTH_FAILURES.points; i++) {
      expect(await adminGet(port, 'guess', `198.51.100.${i + 1}`)).toBe(401);
    }
    expect(await adminGet(port, ADMIN, '198.51.100.200')).toBe(429);
    expect(await adminGet(port, ADMIN)).toBe(429);
  });

  it('without TRUST_PROXY (the default): the same', async () => {
    const port = await start(undefined);
    for (let i = 0; i < AUTH_FAILURES.points; i++) {
      expect(await adminGet(port, 'guess', `198.51.100.${i + 1}`)).toBe(401);
    }
    expect(await adminGet(port, ADMIN, '198.51.100.200')).toBe(429);
  });
});

describe('the events rate limit', () => {
  const events = async (port: number, xff: string) => {
    const body = JSON.stringify([
      { type: 'impression', adId: 'a' },
      { type: 'impression', adId: 'b' },
    ]);
    const res = await exchange(
      port,
      `POST /api/v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nX-Forwarded-For: ${xff}\r\nConnection: close\r\n\r\n${body}`,
    );
    return res.answers[0]?.status ?? 0;
  };

  it('keys on the forwarded client behind a trusted proxy, on the peer otherwise', async () => {
    const trusted = await start('127.0.0.1', 2);
    expect(await events(trusted, '198.51.100.1')).toBe(202);
    expect(await events(trusted, '198.51.100.1')).toBe(429);
    expect(await events(trusted, '198.51.100.2')).toBe(202);

    const untrusted = await start('10.0.0.0/8', 2);
    expect(await events(untrusted, '198.51.100.1')).toBe(202);
    expect(await events(untrusted, '198.51.100.2')).toBe(429);
  });
});
