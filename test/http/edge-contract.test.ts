import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_FAILURES } from '../../src/http/edge/auth-limit.js';
import { createMemoryRateLimiter } from '../../src/ratelimit/rate-limiter.js';
import { collect, exchange, rawConnect, type RawAnswer } from '../support/raw-http.js';
import { startDecisionsApp, type DecisionsApp } from '../support/decisions-app.js';
import { adBody } from './helpers.js';

/**
 * The edge's contract: the same hostile requests against every kind of route, over raw sockets
 * to the production server. The fast node:http routes (the public query, an admin create,
 * events, decisions, a tracking URL) and a hono route (an admin replace) must answer them alike.
 */

const ADMIN = 'admin-token-of-the-edge';
const EVENTS = 'events-token-of-the-edge';
const HUNDRED_GB = 100 * 1024 ** 3;

interface Route {
  readonly name: string;
  readonly method: string;
  /** Path of a request the route accepts (answers with `ok`). */
  readonly path: () => string;
  /** The token the route asks for, if any. */
  readonly token?: string;
  /** A body the route accepts, when it reads one. */
  readonly body?: () => string;
  readonly ok: number;
  /** A request line (method and path) the route refuses before reading a body, and the status. */
  readonly refusal: () => { method: string; path: string; auth?: string; status: number };
  /** The route label of its metrics. */
  readonly label: string;
}

let a: DecisionsApp;
let port: number;
let fireUrl = '';
let adId = '';
const lines: { level: number; msg: string }[] = [];
const serverSockets: Socket[] = [];

const ROUTES: Route[] = [
  {
    name: 'the public query (fast)',
    method: 'GET',
    path: () => '/api/v1/ad?limit=1',
    ok: 200,
    refusal: () => ({ method: 'GET', path: '/api/v1/ad?limit=-1', status: 400 }),
    label: '/api/v1/ad',
  },
  {
    name: 'POST /api/v1/events (fast)',
    method: 'POST',
    path: () => '/api/v1/events',
    token: EVENTS,
    body: () => JSON.stringify({ type: 'impression', adId }),
    ok: 202,
    refusal: () => ({ method: 'POST', path: '/api/v1/events', auth: 'Bearer wrong-guess', status: 401 }),
    label: '/api/v1/events',
  },
  {
    name: 'POST /api/v1/decisions (fast)',
    method: 'POST',
    path: () => '/api/v1/decisions',
    token: EVENTS,
    body: () => JSON.stringify({ count: 1 }),
    ok: 200,
    refusal: () => ({ method: 'POST', path: '/api/v1/decisions', auth: 'Bearer wrong-guess', status: 401 }),
    label: '/api/v1/decisions',
  },
  {
    name: 'a tracking URL (fast)',
    method: 'POST',
    path: () => fireUrl,
    ok: 204,
    refusal: () => ({ method: 'POST', path: '/api/v1/t/not-a-signed-token', status: 404 }),
    label: '/api/v1/t/:token',
  },
  {
    name: 'POST /api/v1/ad (fast)',
    method: 'POST',
    path: () => '/api/v1/ad',
    token: ADMIN,
    body: () => JSON.stringify(adBody()),
    ok: 201,
    refusal: () => ({ method: 'POST', path: '/api/v1/ad', auth: 'Bearer wrong-guess', status: 401 }),
    label: '/api/v1/ad',
  },
  {
    name: 'PUT /api/v1/ad/:id (hono)',
    method: 'PUT',
    path: () => `/api/v1/ad/${adId}`,
    token: ADMIN,
    body: () => JSON.stringify(adBody()),
    ok: 200,
    refusal: () => ({ method: 'PUT', path: `/api/v1/ad/${adId}`, auth: 'Bearer wrong-guess', status: 401 }),
    label: '/api/v1/ad/:id',
  },
];
const TOKEN_ROUTES = ROUTES.filter((r) => r.token !== undefined);
const BODY_ROUTES = ROUTES.filter((r) => r.body !== undefined);

function head(method: string, path: string, headers: Record<string, string | number>): string {
  const lines = Object.entries({ Host: 'localhost', ...headers }).map(([k, v]) => `${k}: ${v}`);
  return `${method} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

/** The whole request `route` accepts. */
function good(route: Route, extra: Record<string, string> = {}): string {
  const body = route.body?.() ?? '';
  const headers: Record<string, string | number> = { ...extra };
  if (route.token !== undefined) headers.Authorization = `Bearer ${route.token}`;
  if (route.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = Buffer.byteLength(body);
  }
  return head(route.method, route.path(), headers) + body;
}

function expectJsonError(answer: RawAnswer | undefined, status: number): void {
  expect(answer, 'an answer').toBeDefined();
  expect(answer!.status, answer!.body).toBe(status);
  expect(answer!.headers['content-type']).toMatch(/^application\/json/);
  expect(answer!.headers['x-content-type-options']).toBe('nosniff');
  expect(answer!.headers['x-request-id']).toMatch(/^\S+$/);
  expect(JSON.parse(answer!.body)).toEqual({
    error: {
      code: expect.any(String) as string,
      message: expect.any(String) as string,
      details: expect.any(Array) as unknown[],
    },
  });
}

/** `http_requests_total` by `route status`, summed over methods. */
async function requestCounts(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const line of (await a.metricsText()).split('\n')) {
    if (!line.startsWith('http_requests_total{')) continue;
    const route = /route="([^"]*)"/.exec(line)?.[1];
    const status = /status="(\d+)"/.exec(line)?.[1];
    const key = `${route} ${status}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(line.split(' ').pop()));
  }
  return counts;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
      done();
    },
  });
  a = await startDecisionsApp({
    adminToken: ADMIN,
    eventsToken: EVENTS,
    logger: pino({ level: 'info' }, sink),
    // The cases below guess tokens far more than 20 times; the throttle has its own app.
    rateLimiters: { auth: createMemoryRateLimiter({ points: 1_000_000, durationSeconds: 60 }) },
  });
  a.server.on('connection', (s: Socket) => serverSockets.push(s));
  port = Number(new URL(a.url).port);
  adId = await a.createAd();
  const res = await a.decide({ count: 1 }, { authorization: `Bearer ${EVENTS}` });
  fireUrl = ((await res.json()) as { decisions: { impressionUrl: string }[] }).decisions[0]!.impressionUrl;
});
afterAll(async () => {
  expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  await a.close();
});

describe.each(ROUTES)('$name', (route) => {
  it('answers its accepted request (the baseline the cases below change one thing of)', async () => {
    const res = await exchange(port, good(route, { Connection: 'close' }));
    expect(res.answers[0]?.status, res.answers[0]?.body).toBe(route.ok);
  });

  it('keeps the connection after an answer whose request was read whole', async () => {
    const res = await exchange(port, good(route) + good(route), 1_000);
    expect(res.answers.map((x) => x.status)).toEqual([route.ok, route.ok]);
    expect(res.answers[0]!.headers.connection).not.toBe('close');
  });

  it('a refusal of a 100 GB upload closes the connection at once and reads a few MB at most', async () => {
    const r = route.refusal();
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/json',
      'Content-Length': HUNDRED_GB,
    };
    if (r.auth !== undefined) headers.Authorization = r.auth;
    const before = serverSockets.length;
    const socket = await rawConnect(port);
    const started = performance.now();
    const result = collect(socket, 10_000);
    socket.write(head(r.method, r.path, headers));
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    const pump = () => {
      while (!socket.destroyed && socket.write(chunk));
    };
    socket.on('drain', pump);
    pump();
    const res = await result;
    const ms = performance.now() - started;
    expect(res.closed).toBe(true);
    expectJsonError(res.answers[0], r.status);
    expect(res.answers[0]!.headers.connection).toBe('close');
    expect(ms).toBeLessThan(1_000);
    const server = serverSockets[before]!;
    expect(server.bytesRead).toBeLessThan(8 * 1024 * 1024);
  });

  it('sends no 100 Continue to a request it refuses before reading its body', async () => {
    const r = route.refusal();
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/json',
      'Content-Length': 10,
      Expect: '100-continue',
    };
    if (r.auth !== undefined) headers.Authorization = r.auth;
    const res = await exchange(port, head(r.method, r.path, headers), 2_000);
    expect(res.answers.map((x) => x.status)).toEqual([r.status]);
    expect(res.closed).toBe(true);
  });

  it('answers a client that half-closes after its whole request', async () => {
    const socket = await rawConnect(port);
    const result = collect(socket, 2_000);
    socket.end(good(route));
    const res = await result;
    expect(res.answers.map((x) => x.status)).toEqual([route.ok]);
    expect(res.closed).toBe(true);
  });

  it('answers a missing or bad Host with a JSON 400', async () => {
    const whole = good(route, { Connection: 'close' });
    for (const data of [
      whole.replace('Host: localhost\r\n', 'Host: bad host/x\r\n'),
      whole.replace('Host: localhost\r\n', 'Host: user@evil\r\n'),
      whole.replace('Host: localhost\r\n', ''),
    ]) {
      const res = await exchange(port, data);
      expectJsonError(res.answers[0], 400);
      expect(res.answers).toHaveLength(1);
    }
  });
});

describe.each(TOKEN_ROUTES)('$name, which asks for a token', (route) => {
  it('refuses two Authorization headers, whatever their order', async () => {
    const whole = good(route, { Connection: 'close' });
    const right = `Authorization: Bearer ${route.token}\r\n`;
    for (const extra of [`Authorization: Bearer wrong\r\n`, 'Authorization: \r\n', right]) {
      for (const data of [whole.replace(right, right + extra), whole.replace(right, extra + right)]) {
        const res = await exchange(port, data);
        expectJsonError(res.answers[0], 401);
        expect(res.answers[0]!.headers['www-authenticate']).toBe('Bearer');
      }
    }
  });
});

describe.each(TOKEN_ROUTES)('guessing the token of $name', (route) => {
  it(`allows ${AUTH_FAILURES.points} failures a minute per address, then 429 on every route that asks for a token`, async () => {
    const guarded = await startDecisionsApp({ adminToken: ADMIN, eventsToken: EVENTS });
    try {
      const guardedPort = Number(new URL(guarded.url).port);
      const wrong = good(route, { Connection: 'close' }).replace(
        `Bearer ${route.token}`,
        'Bearer wrong-guess',
      );
      for (let i = 0; i < AUTH_FAILURES.points; i++) {
        expect((await exchange(guardedPort, wrong)).answers[0]?.status).toBe(401);
      }
      const refused = (await exchange(guardedPort, wrong)).answers[0];
      expectJsonError(refused, 429);
      expect(JSON.parse(refused!.body)).toMatchObject({ error: { code: 'rate_limited' } });
      const retry = Number(refused!.headers['retry-after']);
      expect(retry).toBeGreaterThan(50);
      expect(retry).toBeLessThanOrEqual(60);
      // Even the right token, on this route and every other that asks for one.
      for (const other of TOKEN_ROUTES) {
        const res = await exchange(guardedPort, good(other, { Connection: 'close' }));
        expect(res.answers[0]?.status, other.name).toBe(429);
      }
      // The open routes are left alone.
      expect(
        (await exchange(guardedPort, good(ROUTES[0]!, { Connection: 'close' }))).answers[0]?.status,
      ).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});

describe.each(BODY_ROUTES)('$name, which reads a body', (route) => {
  it('invites the body of an accepted request with 100 Continue, then answers', async () => {
    const whole = good(route, { Expect: '100-continue', Connection: 'close' });
    const [headPart, body] = [
      whole.slice(0, whole.indexOf('\r\n\r\n') + 4),
      whole.slice(whole.indexOf('\r\n\r\n') + 4),
    ];
    const socket = await rawConnect(port);
    const result = collect(socket, 2_000);
    let sent = false;
    socket.on('data', (d: Buffer) => {
      if (!sent && d.toString('latin1').startsWith('HTTP/1.1 100 Continue')) {
        sent = true;
        socket.write(body);
      }
    });
    socket.write(headPart);
    const res = await result;
    expect(res.answers.map((x) => x.status)).toEqual([100, route.ok]);
  });

  it('counts a client gone mid-body once, as 499 under the route, and logs no error', async () => {
    const before = await requestCounts();
    const errors = lines.filter((l) => l.level >= 50).length;
    for (let i = 0; i < 3; i++) {
      const socket = await rawConnect(port);
      const whole = good(route).replace(/Content-Length: \d+/, 'Content-Length: 1000');
      socket.write(whole.slice(0, whole.indexOf('\r\n\r\n') + 4) + '{"ti');
      await sleep(50);
      socket.destroy();
    }
    await sleep(300);
    const after = await requestCounts();
    const delta = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
    expect(delta(`${route.label} 499`)).toBe(3);
    expect(delta('unmatched 499')).toBe(0);
    for (const [key] of after) if (/ 5\d\d$/.test(key)) expect(delta(key), key).toBe(0);
    expect(lines.filter((l) => l.level >= 50).length).toBe(errors);
  });
});

describe('POST /api/v1/events over its EVENTS_RATE_LIMIT', () => {
  it('is refused before its body: no 100 Continue, a 429 that closes, a few MB read', async () => {
    const limited = await startDecisionsApp({
      config: { EVENTS_RATE_LIMIT: 1 },
      // A minute's window rather than EVENTS_RATE_LIMIT's second: a loaded machine cannot outwait it.
      rateLimiters: { events: createMemoryRateLimiter({ points: 1, durationSeconds: 60 }) },
    });
    try {
      const id = await limited.createAd();
      const sockets: Socket[] = [];
      limited.server.on('connection', (s: Socket) => sockets.push(s));
      const limitedPort = Number(new URL(limited.url).port);
      const two = JSON.stringify([1, 2].map(() => ({ type: 'impression', adId: id })));
      const spend = await exchange(
        limitedPort,
        head('POST', '/api/v1/events', {
          'Content-Type': 'application/json',
          'Content-Length': two.length,
          Connection: 'close',
        }) + two,
      );
      expect(spend.answers[0]?.status).toBe(429);
      const socket = await rawConnect(limitedPort);
      const result = collect(socket, 5_000);
      const started = performance.now();
      socket.write(
        head('POST', '/api/v1/events', {
          'Content-Type': 'application/json',
          'Content-Length': HUNDRED_GB,
          Expect: '100-continue',
        }),
      );
      await sleep(200);
      const chunk = Buffer.alloc(1024 * 1024, 'x');
      const pump = () => {
        while (!socket.destroyed && socket.write(chunk));
      };
      socket.on('drain', pump);
      pump();
      const res = await result;
      expect(res.answers.map((x) => x.status)).toEqual([429]);
      expect(res.answers[0]!.headers.connection).toBe('close');
      expect(res.answers[0]!.headers['retry-after']).toMatch(/^\d+$/);
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(sockets.at(-1)!.bytesRead).toBeLessThan(8 * 1024 * 1024);
    } finally {
      await limited.close();
    }
  });
});
