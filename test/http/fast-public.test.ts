import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnvelope } from '../../src/http/edge/envelope.js';
import { createFastPublicRoute } from '../../src/http/ads/fast-public.js';
import { createMetrics } from '../../src/http/ops/metrics.js';
import { freshPublicAnswer, isPublicQuery } from '../support/public-answer.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { DAY, HOUR, T0 } from './helpers.js';

let t: TestApp;
/** The port of the replica's own node:http server. */
let port: number;

const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );

function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<{
    status: number;
    body: string;
    type: string;
    id: string;
    retry: string;
    length: string;
    nosniff: string;
  }>((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers, method }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body,
          type: String(res.headers['content-type']),
          id: String(res.headers['x-request-id']),
          retry: String(res.headers['retry-after']),
          length: String(res.headers['content-length']),
          nosniff: String(res.headers['x-content-type-options']),
        }),
      );
    })
      .on('error', reject)
      .end();
  });
}

beforeAll(async () => {
  t = await createTestApp();
  const sets = [
    {},
    { ageStart: 20, ageEnd: 30, gender: ['F' as const], country: ['TW'], platform: ['ios' as const] },
    { ageStart: 40, country: ['US', 'JP'] },
  ];
  for (let i = 0; i < 30; i++) {
    await t.service.create({
      title: `AD ${i} "quoted" ü`,
      startAt: T0 - HOUR + (i % 4 === 0 ? 2 * HOUR : 0),
      endAt: T0 + DAY + (i % 7) * HOUR,
      conditions: i % 3 === 0 ? [] : [sets[i % 3]!],
    });
  }
  port = await t.listen();
});
afterAll(async () => {
  await t.close();
});

/** What the replica must answer to `url`: the query worked out afresh, or hono's answer off its path. */
async function expected(url: string): Promise<{ status: number; body: string; type: string }> {
  if (isPublicQuery(url)) return { ...freshPublicAnswer(t.service, url), type: 'application/json' };
  const res = await t.app.request(url);
  return { status: res.status, body: await res.text(), type: String(res.headers.get('content-type')) };
}

const URLS = [
  '/api/v1/ad',
  '/api/v1/ad?',
  '/api/v1/ad?limit=100',
  '/api/v1/ad?offset=3&limit=5',
  '/api/v1/ad?age=24&gender=F&country=tw&platform=ios',
  '/api/v1/ad?age=45&country=JP',
  '/api/v1/ad?country=jp&unknown=1',
  '/api/v1/ad?offset=1000',
  '/api/v1/ad?limit=0',
  '/api/v1/ad?limit=101',
  '/api/v1/ad?age=2.5',
  '/api/v1/ad?age=abc&gender=X&country=ZZ&platform=pc',
  '/api/v1/ad?offset=-1',
  '/api/v1/ad?age=',
  '/api/v1/ad?age=3&age=4',
  '/api/v1/ad?country=%E0%A4%A',
  '/api/v1/ad?platform=IOS',
  '/api/v1/ad/',
  '/api/v1/adx',
  '/api/v1/ad/nope',
];

describe('the fast public route', () => {
  it('answers each URL as the query worked out afresh, and other paths as hono does', async () => {
    // Twice: the second answer of a page may come from what the route keeps.
    for (const url of [...URLS, ...URLS]) {
      const served = await get(port, url);
      expect({ url, status: served.status, body: served.body, type: served.type }).toEqual({
        url,
        ...(await expected(url)),
      });
      expect(served.nosniff).toBe('nosniff');
    }
  });

  it('answers HEAD with the status and type of GET, no body and the length GET would send', async () => {
    for (const url of ['/api/v1/ad?limit=3', '/api/v1/ad?limit=0', '/api/v1/ad?country=tw']) {
      const [head, full] = await Promise.all([get(port, url, {}, 'HEAD'), get(port, url)]);
      expect({ url, status: head.status, body: head.body, type: head.type }).toEqual({
        url,
        status: full.status,
        body: '',
        type: full.type,
      });
      expect(head.length).toBe(String(Buffer.byteLength(full.body)));
    }
  });

  it('echoes a sane X-Request-Id and makes one otherwise', async () => {
    expect((await get(port, '/api/v1/ad', { 'x-request-id': 'abc-123' })).id).toBe('abc-123');
    expect((await get(port, '/api/v1/ad', { 'x-request-id': 'bad id' })).id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 503 not_ready with Retry-After while the replica recovers', async () => {
    const metrics = createMetrics(t.service, { defaultMetrics: false });
    const notReady = { ...t.service, isReady: () => false };
    const envelope = createEnvelope(pino({ level: 'silent' }), metrics);
    const fast = createFastPublicRoute({ service: notReady, envelope });
    const server = createServer((req, res) => void fast(req, res));
    const res = await get(await listen(server), '/api/v1/ad');
    server.close();
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'not_ready' } });
    expect(res.retry).toBe('1');
  });
});
