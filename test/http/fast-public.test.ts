import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnvelope } from '../../src/http/edge/envelope.js';
import { createFastPublicRoute } from '../../src/http/ads/fast-public.js';
import { createMetrics } from '../../src/http/ops/metrics.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { DAY, HOUR, T0 } from './helpers.js';

let t: TestApp;
let both: Server;
let honoOnly: Server;

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
  const metrics = createMetrics(t.service, { defaultMetrics: false });
  const envelope = createEnvelope(pino({ level: 'silent' }), metrics);
  const fast = createFastPublicRoute({ service: t.service, envelope });
  const hono = getRequestListener(t.app.fetch);
  both = createServer((req, res) => {
    if (!fast(req, res)) void hono(req, res);
  });
  honoOnly = createServer((req, res) => void hono(req, res));
});
afterAll(async () => {
  both.close();
  honoOnly.close();
  await t.close();
});

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
  it('answers exactly what the hono route answers', async () => {
    const a = await listen(both);
    const b = await listen(honoOnly);
    // Twice: the second answer of a page comes from the fast route's cache.
    for (const url of [...URLS, ...URLS]) {
      const [fast, slow] = await Promise.all([get(a, url), get(b, url)]);
      expect({ url, status: fast.status, body: fast.body, type: fast.type, nosniff: fast.nosniff }).toEqual({
        url,
        status: slow.status,
        body: slow.body,
        type: slow.type,
        nosniff: 'nosniff',
      });
      expect(slow.nosniff).toBe('nosniff');
    }
  });

  it('answers HEAD as the hono route does, with no body and the length GET would send', async () => {
    const a = (both.address() as AddressInfo).port;
    const b = (honoOnly.address() as AddressInfo).port;
    for (const url of ['/api/v1/ad?limit=3', '/api/v1/ad?limit=0', '/api/v1/ad?country=tw']) {
      const [fast, slow, full] = await Promise.all([
        get(a, url, {}, 'HEAD'),
        get(b, url, {}, 'HEAD'),
        get(a, url),
      ]);
      expect({ url, status: fast.status, body: fast.body, type: fast.type }).toEqual({
        url,
        status: slow.status,
        body: '',
        type: slow.type,
      });
      expect(fast.length).toBe(String(Buffer.byteLength(full.body)));
    }
  });

  it('echoes a sane X-Request-Id and makes one otherwise', async () => {
    const port = (both.address() as AddressInfo).port;
    expect((await get(port, '/api/v1/ad', { 'x-request-id': 'abc-123' })).id).toBe('abc-123');
    expect((await get(port, '/api/v1/ad', { 'x-request-id': 'bad id' })).id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 503 not_ready with Retry-After while the replica recovers', async () => {
    const metrics = createMetrics(t.service, { defaultMetrics: false });
    const notReady = { ...t.service, isReady: () => false };
    const envelope = createEnvelope(pino({ level: 'silent' }), metrics);
    const fast = createFastPublicRoute({ service: notReady, envelope });
    const server = createServer((req, res) => void fast(req, res));
    const port = await listen(server);
    const res = await get(port, '/api/v1/ad');
    server.close();
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'not_ready' } });
    expect(res.retry).toBe('1');
  });
});
