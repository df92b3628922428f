import { afterEach, describe, expect, it } from 'vitest';
import { exchange, type RawAnswer } from '../support/raw-http.js';
import { createTestApp, type TestApp, type TestAppOptions } from '../support/test-app.js';
import { adBody, DAY, HOUR, iso, T0, type ErrorJson } from './helpers.js';

/**
 * `POST /api/v1/ad` on bare node:http (the production server), over raw sockets: each request
 * below changes one thing of a good create, and the answer (status, the headers a client reads,
 * the body) shows the contract's order of checks: a refusal by an earlier check wins over a
 * later one.
 */

const TOKEN = 'fast-create-token';
const apps: TestApp[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

async function served(opts: TestAppOptions = {}) {
  const app = await createTestApp({ now: T0, adminToken: TOKEN, ...opts });
  apps.push(app);
  return { app, port: await app.listen() };
}

const SHOWN = [
  'content-type',
  'cache-control',
  'x-content-type-options',
  'location',
  'etag',
  'idempotent-replayed',
  'www-authenticate',
  'retry-after',
] as const;

/** What a client sees of an answer, the ads' ids replaced by `<id>`. */
function seen(a: RawAnswer | undefined) {
  expect(a, 'an answer').toBeDefined();
  const ids = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
  const headers: Record<string, string> = {};
  for (const h of SHOWN) if (a!.headers[h] !== undefined) headers[h] = a!.headers[h].replace(ids, '<id>');
  return { status: a!.status, headers, body: a!.body.replace(ids, '<id>') };
}

interface Req {
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly token?: string | null;
}

function raw({ headers = {}, body = JSON.stringify(adBody()), token = TOKEN }: Req): string {
  const all: Record<string, string | number> = {
    Host: 'localhost',
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  };
  if (token !== null) all.Authorization = `Bearer ${token}`;
  const lines = Object.entries(all).map(([k, v]) => `${k}: ${v}`);
  return `POST /api/v1/ad HTTP/1.1\r\n${lines.join('\r\n')}\r\nConnection: close\r\n\r\n${body}`;
}

/** What a client sees of the served answer to `req`. */
const send = async (port: number, req: Req) => seen((await exchange(port, raw(req))).answers[0]);

describe('POST /api/v1/ad on node:http', () => {
  it('answers a create, a replay and every refusal in the contract order', async () => {
    const { port } = await served();
    const created = await send(port, { headers: { 'Idempotency-Key': 'k-1' } });
    expect(created.status).toBe(201);
    expect(created.headers).toMatchObject({
      location: '/api/v1/ad/<id>',
      etag: '"1"',
      'cache-control': 'no-store',
    });
    const replay = await send(port, { headers: { 'Idempotency-Key': 'k-1' } });
    expect([replay.status, replay.headers['idempotent-replayed']]).toEqual([201, 'true']);
    const cases: [Req, number, string?][] = [
      [{ token: null }, 401, 'unauthorized'],
      [{ token: 'wrong' }, 401, 'unauthorized'],
      [{ token: null, headers: { 'Content-Length': '70000' }, body: '' }, 401, 'unauthorized'],
      [{ headers: { 'Content-Length': '70000' }, body: '' }, 413, 'payload_too_large'],
      [{ body: 'x'.repeat(70_000) }, 413, 'payload_too_large'],
      [{ headers: { 'Content-Type': 'text/plain' }, body: '{' }, 415, 'unsupported_media_type'],
      [{ headers: { 'Content-Encoding': 'gzip' }, body: '{' }, 415, 'unsupported_media_type'],
      [{ headers: { 'Content-Type': 'application/json; charset=latin1' } }, 415, 'unsupported_media_type'],
      [{ body: '{"title": ' }, 400, 'invalid_json'],
      [{ body: '\u00ff' }, 400, 'invalid_json'],
      [{ body: '[]' }, 400, 'validation_failed'],
      [{ body: JSON.stringify(adBody({ endAt: iso(T0 - DAY), extra: 1 })) }, 400, 'validation_failed'],
      [
        { headers: { 'Idempotency-Key': 'k'.repeat(201) }, body: JSON.stringify(adBody({ title: '' })) },
        400,
        'validation_failed',
      ],
      [
        { headers: { 'Idempotency-Key': 'k-1' }, body: JSON.stringify(adBody({ title: 'other' })) },
        422,
        'idempotency_key_reused',
      ],
      [
        {
          headers: { 'Idempotency-Key': 'k-2' },
          body: JSON.stringify(adBody({ endAt: iso(T0 + 2 * HOUR) })),
        },
        201,
      ],
    ];
    for (const [req, status, code] of cases) {
      const a = await send(port, req);
      expect(a.status, JSON.stringify(req)).toBe(status);
      if (code !== undefined) expect((JSON.parse(a.body) as ErrorJson).error.code).toBe(code);
      if (status === 401) expect(a.headers['www-authenticate']).toBe('Bearer');
    }
    const both = await send(port, {
      headers: { 'Idempotency-Key': 'k'.repeat(201) },
      body: JSON.stringify(adBody({ title: '' })),
    });
    expect((JSON.parse(both.body) as ErrorJson).error.details.map((d) => d.path)).toEqual([
      'Idempotency-Key',
      'title',
    ]);
  });

  it('answers a create over the quota with 429, and a replay of an earlier one with 201', async () => {
    const { port } = await served({ maxAdsPerDay: 1 });
    expect((await send(port, { headers: { 'Idempotency-Key': 'q' } })).status).toBe(201);
    expect((await send(port, {})).status).toBe(429);
    expect((await send(port, { headers: { 'Idempotency-Key': 'q' } })).status).toBe(201);
  });

  it('refuses an address past its budget of failed authentications, even with the token', async () => {
    const { port } = await served();
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push((await send(port, { token: `guess-${i}` })).status);
    expect(statuses.slice(0, 19).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    const after = await send(port, {});
    expect([after.status, after.headers['retry-after'] !== undefined]).toEqual([429, true]);
  });

  it('is read-your-writes: a GET on the same replica after the 201 sees the ad', async () => {
    const { app, port } = await served();
    const created = await exchange(port, raw({}));
    const location = created.answers[0]!.headers.location!;
    const read = await exchange(
      port,
      `GET ${location} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`,
    );
    expect(read.answers[0]?.status).toBe(200);
    expect(await app.service.get(location.split('/').at(-1)!)).toBeDefined();
  });
});
