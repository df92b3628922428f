import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_EDGE_LIMITS, type EdgeLimits } from '../../src/http/edge/server.js';
import type { ReplicaConfig } from '../../src/wiring/compose-replica.js';
import { loadConfig } from '../../src/wiring/config.js';
import { collect, exchange, rawConnect, trickle, type RawAnswer } from '../support/raw-http.js';
import { adBody, setup, type Client } from './helpers.js';

/** What never reaches a route, over raw sockets against the real node:http server. */

let client: Client;
const replicas: Client[] = [];

beforeAll(async () => {
  client = await setup();
});
afterAll(async () => {
  for (const r of replicas) await r.t.close();
  await client.t.close();
});

/**
 * A replica of its own behind its production node:http server, with these edge limits (the
 * settings that set them); answers the port it listens on.
 */
async function serveTestApp(limits: Partial<EdgeLimits> = {}, adminToken?: string): Promise<number> {
  const config: Partial<ReplicaConfig> = {};
  if (limits.headersTimeoutMs !== undefined) config.HEADERS_TIMEOUT_MS = limits.headersTimeoutMs;
  if (limits.requestTimeoutMs !== undefined) config.REQUEST_TIMEOUT_MS = limits.requestTimeoutMs;
  if (limits.bodyIdleTimeoutMs !== undefined) config.BODY_IDLE_TIMEOUT_MS = limits.bodyIdleTimeoutMs;
  if (limits.maxConnections !== undefined) config.MAX_CONNECTIONS = limits.maxConnections;
  const replica = await setup({ adminToken, config });
  replicas.push(replica);
  return await replica.t.listen();
}

/** The contract's error body, with nosniff. */
function expectJsonError(answer: RawAnswer | undefined, status: number, code?: string): void {
  expect(answer, 'an answer').toBeDefined();
  expect(answer!.status, answer!.body).toBe(status);
  expect(answer!.headers['content-type']).toMatch(/^application\/json/);
  expect(answer!.headers['x-content-type-options']).toBe('nosniff');
  const body = JSON.parse(answer!.body) as { error: { code: string; message: string; details: unknown[] } };
  expect(body).toEqual({
    error: { code: expect.any(String) as string, message: expect.any(String) as string, details: [] },
  });
  if (code !== undefined) expect(body.error.code).toBe(code);
}

const post = (body: string) =>
  `POST /api/v1/ad HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('a request that was acted on is answered', () => {
  it('a create followed by garbage in the same write: 201, then a JSON 400, then close', async () => {
    const port = await serveTestApp();
    const title = `pipelined ${Date.now()}`;
    const res = await exchange(port, post(JSON.stringify(adBody({ title }))) + 'xyz garbage\r\n\r\n');
    expect(res.closed).toBe(true);
    expect(res.answers.map((a) => a.status)).toEqual([201, 400]);
    expect((JSON.parse(res.answers[0]!.body) as { title: string }).title).toBe(title);
    expectJsonError(res.answers[1], 400, 'validation_failed');
  });

  it('two pipelined requests and garbage: both answered in order, then the 400', async () => {
    const port = await serveTestApp();
    const res = await exchange(
      port,
      post(JSON.stringify(adBody())) + 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n' + '\x01\x02\r\n\r\n',
    );
    expect(res.answers.map((a) => a.status)).toEqual([201, 200, 400]);
    expectJsonError(res.answers[2], 400);
  });
});

describe("Node's own errors are JSON", () => {
  const cases: [string, string, number][] = [
    ['a malformed request line', 'xyz garbage\r\n\r\n', 400],
    ['a bad HTTP version', 'GET / HTTP/9.9\r\nHost: x\r\n\r\n', 400],
    ['bad header bytes', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad\x01: y\r\n\r\n', 400],
    ['a header value with a bare CR', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n', 400],
    ['HTTP/1.1 without Host', 'GET /healthz HTTP/1.1\r\n\r\n', 400],
    ['headers over 16 KiB', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
    [
      'chunk extensions too large',
      `POST /api/v1/ad HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1;${'e'.repeat(20_000)}\r\n`,
      413,
    ],
  ];
  it.each(cases)('%s', async (_, data, status) => {
    const port = await serveTestApp();
    const res = await exchange(port, data);
    expect(res.closed).toBe(true);
    expect(res.answers).toHaveLength(1);
    expectJsonError(res.answers[0], status);
  });
});

describe('requests hono cannot take are JSON too', () => {
  const hosts = ['a b', 'localhost:99999', 'user@evil', 'ex ample.com:80'];
  it.each(hosts)('Host: %s → 400', async (host) => {
    const port = await serveTestApp();
    const res = await exchange(port, `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    expectJsonError(res.answers[0], 400, 'validation_failed');
  });

  it('a backslash in the path → 400', async () => {
    const port = await serveTestApp();
    const res = await exchange(port, 'GET /api\\v1/ad HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expectJsonError(res.answers[0], 400, 'validation_failed');
  });

  it('HTTP/1.0 without Host is served (Host is optional in 1.0)', async () => {
    // The replica's own server: the public query is answered on node:http, ahead of hono.
    const port = await client.t.listen();
    for (const path of ['/healthz', '/api/v1/ad?limit=1', '/nowhere']) {
      const res = await exchange(port, `GET ${path} HTTP/1.0\r\n\r\n`);
      expect(res.answers[0]?.headers['content-type'], path).toMatch(/^application\/json/);
      expect(res.answers[0]?.status, path).toBe(path === '/nowhere' ? 404 : 200);
    }
  });
});

/** Short limits so the tests run in a second; the defaults are checked apart. */
const SHORT: Partial<EdgeLimits> = { headersTimeoutMs: 600, requestTimeoutMs: 900, bodyIdleTimeoutMs: 400 };
const healthz = 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';

describe('slow clients are cut off with a JSON 408', () => {
  it('headers sent one byte at a time (slowloris)', async () => {
    const port = await serveTestApp(SHORT);
    const res = await trickle(port, healthz.repeat(10), 50, 5_000);
    expect(res.closed).toBe(true);
    expect(res.answers).toHaveLength(1);
    expectJsonError(res.answers[0], 408, 'request_timeout');
    expect(res.ms).toBeLessThan(600 + 600 + 500);
  });

  it('a body sent one byte at a time', async () => {
    const port = await serveTestApp(SHORT);
    const head =
      'POST /api/v1/ad HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2000\r\n\r\n';
    const socket = await rawConnect(port);
    const result = collect(socket, 5_000);
    socket.write(head);
    const timer = setInterval(() => !socket.destroyed && socket.write('{'), 100);
    const res = await result.finally(() => clearInterval(timer));
    expect(res.closed).toBe(true);
    expect(res.answers).toHaveLength(1);
    expectJsonError(res.answers[0], 408, 'request_timeout');
    expect(res.ms).toBeLessThan(900 + 600 + 500);
  });

  it('a body that stops arriving', async () => {
    const port = await serveTestApp({ ...SHORT, requestTimeoutMs: 60_000 });
    const res = await exchange(
      port,
      'PUT /api/v1/ad/x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"ti',
    );
    expect(res.closed).toBe(true);
    expectJsonError(res.answers[0], 408, 'request_timeout');
    expect(res.ms).toBeLessThan(400 + 500);
  });

  it('headers that stop arriving', async () => {
    const port = await serveTestApp({ ...SHORT, headersTimeoutMs: 30_000, requestTimeoutMs: 30_000 });
    const res = await exchange(port, 'GET /healthz HTTP/1.1\r\nHo');
    expect(res.closed).toBe(true);
    expectJsonError(res.answers[0], 408, 'request_timeout');
  });

  it('a connection that never speaks is closed without an answer', async () => {
    const port = await serveTestApp(SHORT);
    const res = await exchange(port, '');
    expect(res.closed).toBe(true);
    expect(res.raw).toBe('');
  });

  it('an unauthenticated slow body is cut as well', async () => {
    const port = await serveTestApp(SHORT, 'guarded-token');
    const head =
      'POST /api/v1/ad HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2000\r\n\r\n';
    const socket = await rawConnect(port);
    const result = collect(socket, 5_000);
    socket.write(head);
    const timer = setInterval(() => !socket.destroyed && socket.write('{'), 100);
    const res = await result.finally(() => clearInterval(timer));
    expect(res.closed).toBe(true);
    expect(res.answers[0]?.status).toBe(401);
    expect(res.ms).toBeLessThan(900 + 600 + 500);
  });

  it('other clients are served meanwhile', async () => {
    const port = await serveTestApp({ ...SHORT, headersTimeoutMs: 2_000, requestTimeoutMs: 2_000 });
    const slow = Array.from({ length: 50 }, () =>
      trickle(port, `GET /healthz HTTP/1.1\r\nX-Pad: ${'a'.repeat(500)}\r\n\r\n`, 30, 5_000),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (let i = 0; i < 5; i++) {
      const res = await exchange(port, healthz);
      expect(res.answers[0]?.status).toBe(200);
      expect(res.ms).toBeLessThan(300);
    }
    const cut = await Promise.all(slow);
    for (const r of cut) expect(r.answers[0]?.status).toBe(408);
  });
});

describe('connection limit', () => {
  it('closes connections past MAX_CONNECTIONS at once, serves again when one ends', async () => {
    const port = await serveTestApp({ maxConnections: 3 });
    const open = await Promise.all([rawConnect(port), rawConnect(port), rawConnect(port)]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const refused = await exchange(port, healthz, 2_000);
    expect(refused.closed).toBe(true);
    expect(refused.raw).toBe('');
    open[0].destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await exchange(port, healthz)).answers[0]?.status).toBe(200);
    for (const s of open) s.destroy();
  });
});

describe('default limits', () => {
  it('cut a slow client within 15 s, and are what the configuration defaults to', () => {
    const check = 1_000;
    expect(DEFAULT_EDGE_LIMITS.headersTimeoutMs + check).toBeLessThanOrEqual(15_000);
    expect(DEFAULT_EDGE_LIMITS.requestTimeoutMs + check).toBeLessThanOrEqual(15_000);
    expect(DEFAULT_EDGE_LIMITS.bodyIdleTimeoutMs).toBeLessThanOrEqual(15_000);
    const config = loadConfig({});
    expect({
      headersTimeoutMs: config.HEADERS_TIMEOUT_MS,
      requestTimeoutMs: config.REQUEST_TIMEOUT_MS,
      bodyIdleTimeoutMs: config.BODY_IDLE_TIMEOUT_MS,
      maxConnections: config.MAX_CONNECTIONS,
    }).toEqual({
      headersTimeoutMs: DEFAULT_EDGE_LIMITS.headersTimeoutMs,
      requestTimeoutMs: DEFAULT_EDGE_LIMITS.requestTimeoutMs,
      bodyIdleTimeoutMs: DEFAULT_EDGE_LIMITS.bodyIdleTimeoutMs,
      maxConnections: DEFAULT_EDGE_LIMITS.maxConnections,
    });
  });

  it('are applied to the server', () => {
    const { server } = client.t;
    expect(server.headersTimeout).toBe(DEFAULT_EDGE_LIMITS.headersTimeoutMs);
    expect(server.requestTimeout).toBe(DEFAULT_EDGE_LIMITS.requestTimeoutMs);
    expect(server.timeout).toBe(DEFAULT_EDGE_LIMITS.bodyIdleTimeoutMs);
    expect(server.maxConnections).toBe(DEFAULT_EDGE_LIMITS.maxConnections);
  });
});
