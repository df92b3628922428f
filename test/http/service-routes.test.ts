import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.js';
import { createMetrics } from '../../src/http/ops/metrics.js';
import type { AdsService } from '../../src/service/ads-service.js';
import { createTestApp } from '../support/test-app.js';
import { adBody, expectError, setup, type Client } from './helpers.js';

describe('service routes on the real core', () => {
  let client: Client;
  beforeAll(async () => {
    client = await setup();
  });
  afterAll(async () => {
    await client.t.close();
  });

  it('GET /healthz and /readyz → 200', async () => {
    const health = await client.app.request('/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await client.app.request('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('GET /openapi.json is an OpenAPI 3.1 document with every route, schema and error', async () => {
    const res = await client.app.request('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = (await res.json()) as {
      openapi: string;
      info: { title: string };
      paths: Record<
        string,
        Record<string, { responses: Record<string, unknown>; parameters?: { name: string }[] }>
      >;
      components: {
        schemas: Record<string, { additionalProperties?: boolean }>;
        securitySchemes: Record<string, unknown>;
      };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('adsm');
    expect(Object.keys(doc.paths['/api/v1/ad']!).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/v1/ad/{id}']!).sort()).toEqual(['delete', 'get', 'put']);
    for (const p of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs'])
      expect(doc.paths[p]).toBeDefined();
    expect(doc.paths['/api/v1/ad']!.get!.parameters!.map((p) => p.name).sort()).toEqual([
      'age',
      'country',
      'gender',
      'limit',
      'offset',
      'platform',
    ]);
    expect(Object.keys(doc.paths['/api/v1/ad']!.post!.responses).sort()).toEqual([
      '201',
      '400',
      '401',
      '413',
      '415',
      '422',
      '429',
      '500',
      '503',
    ]);
    expect(Object.keys(doc.paths['/api/v1/ad/{id}']!.put!.responses)).toContain('412');
    expect(doc.components.schemas.AdInput?.additionalProperties).toBe(false);
    expect(doc.components.schemas.ConditionSetInput?.additionalProperties).toBe(false);
    for (const name of ['Ad', 'AdWithStatus', 'AdPage', 'Error'])
      expect(doc.components.schemas[name]).toBeDefined();
    expect(doc.components.securitySchemes.bearerAuth).toEqual(
      expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    );
  });

  it('GET /docs serves an HTML reference pointing at /openapi.json', async () => {
    const res = await client.app.request('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toMatch(/<html/i);
    expect(html).toContain('/openapi.json');
  });

  it('GET /metrics has request metrics by route pattern and the replica gauges', async () => {
    const ad = await client.create();
    await client.app.request(`/api/v1/ad/${ad.id}`);
    await client.app.request('/no/such/route');
    const res = await client.app.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    for (const name of [
      'http_requests_total',
      'http_request_duration_seconds_bucket',
      'adsm_applied_seq',
      'adsm_known_head_seq',
      'adsm_live_ads',
      'adsm_active_ads',
      'adsm_replication_lag_seconds',
      'adsm_replication_lag_entries',
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(text).toContain(name);
    }
    expect(text).toContain('http_requests_total{method="POST",route="/api/v1/ad",status="201"}');
    expect(text).toContain('http_requests_total{method="GET",route="/api/v1/ad/:id",status="200"}');
    expect(text).toContain('route="unmatched",status="404"');
    expect(text).not.toContain(ad.id);
    expect(text).toMatch(/^adsm_live_ads 1$/m);
  });

  it('echoes a sane X-Request-Id and makes one otherwise', async () => {
    const given = await client.app.request('/healthz', { headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const made = await client.app.request('/healthz');
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const tooLong = await client.app.request('/healthz', { headers: { 'x-request-id': 'x'.repeat(500) } });
    expect(tooLong.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const onError = await client.app.request('/nope', { headers: { 'x-request-id': 'err-1' } });
    expect(onError.headers.get('x-request-id')).toBe('err-1');
  });
});

/** A service that can be made not ready or broken, for what the real core does not easily do. */
function fakeService(state: { ready: boolean; clockSynced?: boolean }): AdsService {
  const boom = () => Promise.reject(new Error('database exploded at /secret/path.ts:12'));
  return {
    create: boom,
    update: boom,
    complete: boom,
    delete: boom,
    get: boom,
    list: boom,
    latestSnapshotInfo: boom,
    exists: boom,
    query: () => {
      throw new TypeError('index broken');
    },
    answersEpoch: () => 1,
    now: () => Date.UTC(2026, 11, 1),
    isReady: () => state.ready,
    stats: () => ({
      appliedSeq: 7,
      liveAds: 2,
      activeAds: 1,
      lastAppliedAt: Date.UTC(2026, 11, 1) - 1500,
      knownHeadSeq: 10,
      storeAvailable: true,
      clockSynced: state.clockSynced ?? true,
    }),
  };
}

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: pino({ level: 'debug' }, stream) };
}

describe('with a fake service', () => {
  it('answers 503 not_ready on /readyz and every /api route until ready', async () => {
    const state = { ready: false };
    const service = fakeService(state);
    const app = createApp({
      service,
      logger: pino({ level: 'silent' }),
      metrics: createMetrics(service, { defaultMetrics: false }),
    });
    await expectError(await app.request('/readyz'), 503, 'not_ready');
    // The create and the public query are node:http routes: their not_ready is tested on the served replica.
    for (const [method, path] of [
      ['GET', '/api/v1/ad/x'],
      ['PUT', '/api/v1/ad/x'],
      ['DELETE', '/api/v1/ad/x'],
    ] as const) {
      const res = await app.request(path, {
        method,
        body: method === 'PUT' ? '{}' : undefined,
      });
      await expectError(res, 503, 'not_ready');
      expect(res.headers.get('retry-after')).toBe('1');
    }
    expect((await app.request('/healthz')).status).toBe(200);
    expect((await app.request('/metrics')).status).toBe(200);
    state.ready = true;
    expect((await app.request('/readyz')).status).toBe(200);
  });

  it('while draining, /readyz is 503 and every route still serves', async () => {
    const service = fakeService({ ready: true });
    let draining = false;
    const app = createApp({
      service,
      logger: pino({ level: 'silent' }),
      metrics: createMetrics(service, { defaultMetrics: false }),
      ready: () => service.isReady() && !draining,
    });
    expect((await app.request('/readyz')).status).toBe(200);
    draining = true;
    await expectError(await app.request('/readyz'), 503, 'not_ready');
    expect((await app.request('/healthz')).status).toBe(200);
    expect((await app.request('/api/v1/ad/x')).status).not.toBe(503);
  });

  it('keeps /metrics off the public port when it has its own', async () => {
    const service = fakeService({ ready: true });
    const app = createApp({
      service,
      logger: pino({ level: 'silent' }),
      metrics: createMetrics(service, { defaultMetrics: false }),
      publicMetrics: false,
    });
    await expectError(await app.request('/metrics'), 404, 'not_found');
    await expectError(await app.request('/metrics', { method: 'POST' }), 404, 'not_found');
    expect(await (await app.request('/')).json()).not.toHaveProperty('metrics');
  });

  it("says on /readyz when the store's clock could not be read for long, still ready", async () => {
    const state = { ready: true, clockSynced: false };
    const service = fakeService(state);
    const app = createApp({
      service,
      logger: pino({ level: 'silent' }),
      metrics: createMetrics(service, { defaultMetrics: false }),
    });
    const res = await app.request('/readyz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', clock: 'unsynced' });
    state.clockSynced = true;
    expect(await (await app.request('/readyz')).json()).toEqual({ status: 'ready' });
  });

  it('answers 500 internal without leaking the error, and logs it with the request id', async () => {
    const service = fakeService({ ready: true });
    const { lines, logger } = capture();
    const app = createApp({ service, logger, metrics: createMetrics(service, { defaultMetrics: false }) });
    // The create is a node:http route: its 500 is tested on the served replica.
    const res = await app.request('/api/v1/ad/x', { headers: { 'x-request-id': 'req-GET' } });
    const err = await expectError(res, 500, 'internal');
    expect(err.error.message).toBe('internal server error');
    expect(JSON.stringify(err)).not.toMatch(/exploded|broken|secret/);
    const logged = lines.find((l) => l.level === 50 && l.requestId === 'req-GET');
    expect(logged).toBeDefined();
    expect(JSON.stringify(logged)).toMatch(/exploded/);
    const debug = lines.filter((l) => l.level === 20 && l.msg === 'request');
    expect(debug.length).toBeGreaterThanOrEqual(1);
    expect(debug[0]).toEqual(
      expect.objectContaining({ requestId: 'req-GET', status: 500, route: '/api/v1/ad/:id' }),
    );
  });

  it('computes the replication gauges from service.stats()', async () => {
    const service = fakeService({ ready: true });
    const metrics = createMetrics(service, { defaultMetrics: false });
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^adsm_applied_seq 7$/m);
    expect(text).toMatch(/^adsm_known_head_seq 10$/m);
    expect(text).toMatch(/^adsm_replication_lag_entries 3$/m);
    expect(text).toMatch(/^adsm_replication_lag_seconds 1\.5$/m);
    expect(text).toMatch(/^adsm_live_ads 2$/m);
    expect(text).toMatch(/^adsm_active_ads 1$/m);
    expect(text).toMatch(/^adsm_ready 1$/m);
    expect(text).not.toContain('process_cpu');
    const draining = createMetrics(service, { defaultMetrics: false, ready: () => false });
    expect(await draining.registry.metrics()).toMatch(/^adsm_ready 0$/m);

    const fresh = createMetrics(
      { ...service, stats: () => ({ ...service.stats(), lastAppliedAt: 0 }) },
      { defaultMetrics: false },
    );
    expect(await fresh.registry.metrics()).toMatch(/^adsm_replication_lag_seconds 0$/m);
  });
});

describe('the create and the public query as the replica serves them', () => {
  it('the create answers 500 internal without leaking the error, and logs it with the request id', async () => {
    const { lines, logger } = capture();
    // The id maker of a create throws: a bug, as the composed replica meets it.
    const newId = () => {
      throw new TypeError('id maker exploded at /secret/path.ts:12');
    };
    const t = await createTestApp({ logger, newId });
    try {
      const url = `http://127.0.0.1:${await t.listen()}`;
      const res = await fetch(`${url}/api/v1/ad`, {
        method: 'POST',
        body: JSON.stringify(adBody()),
        headers: { 'x-request-id': 'req-POST', 'content-type': 'application/json' },
      });
      const err = await expectError(res, 500, 'internal');
      expect(err.error.message).toBe('internal server error');
      expect(JSON.stringify(err)).not.toMatch(/exploded|secret/);
      const logged = lines.find((l) => l.level === 50 && l.requestId === 'req-POST');
      expect(JSON.stringify(logged)).toMatch(/exploded/);
      const debug = lines.filter((l) => l.level === 20 && l.msg === 'request' && l.requestId === 'req-POST');
      expect(debug).toEqual([expect.objectContaining({ status: 500 })]);
    } finally {
      await t.close();
    }
  });

  it('both answer 503 not_ready with Retry-After until the replica is ready', async () => {
    const t = await createTestApp({ started: false });
    try {
      const url = `http://127.0.0.1:${await t.listen()}`;
      const create = {
        method: 'POST',
        body: JSON.stringify(adBody()),
        headers: { 'content-type': 'application/json' },
      };
      for (const [path, init] of [
        ['/api/v1/ad', {}],
        ['/api/v1/ad?limit=0', {}],
        ['/api/v1/ad', create],
      ] as const) {
        const res = await fetch(`${url}${path}`, init);
        await expectError(res, 503, 'not_ready');
        expect(res.headers.get('retry-after')).toBe('1');
      }
      await t.start();
      expect((await fetch(`${url}/api/v1/ad`)).status).toBe(200);
      expect((await fetch(`${url}/api/v1/ad`, create)).status).toBe(201);
    } finally {
      await t.close();
    }
  });

  it('answers 500 internal without leaking the error, and logs it with the request id', async () => {
    const { lines, logger } = capture();
    const t = await createTestApp({ logger });
    try {
      const url = `http://127.0.0.1:${await t.listen()}`;
      t.service.query = () => {
        throw new TypeError('index broken at /secret/path.ts:12');
      };
      const res = await fetch(`${url}/api/v1/ad`, { headers: { 'x-request-id': 'req-public' } });
      const err = await expectError(res, 500, 'internal');
      expect(err.error.message).toBe('internal server error');
      expect(JSON.stringify(err)).not.toMatch(/broken|secret/);
      const logged = lines.find((l) => l.level === 50 && l.requestId === 'req-public');
      expect(JSON.stringify(logged)).toMatch(/index broken/);
    } finally {
      await t.close();
    }
  });
});
