import { afterEach, describe, expect, it } from 'vitest';
import { adBody, expectError, setup, type Client } from './helpers.js';

let client: Client;
afterEach(async () => {
  await client.t.close();
});

const TOKEN = 's3cret-token';
const big = (bytes: number) => JSON.stringify(adBody({ title: 'x', pad: 'y'.repeat(bytes) }));

function chunked(text: string, chunkSize = 8192): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + chunkSize));
      at += chunkSize;
    },
  });
}

/** A chunked body, sent where production routes `path`. */
const streamed = (path: string, method: string, text: string, headers: Record<string, string>) =>
  client.routed(path, { method, body: chunked(text), headers, duplex: 'half' });

describe('auth', () => {
  it('admin routes need the bearer token when one is configured', async () => {
    client = await setup({ adminToken: TOKEN });
    const ad = await client.create();
    const cases: [string, string, string | undefined][] = [
      ['POST', '/api/v1/ad', JSON.stringify(adBody())],
      ['GET', `/api/v1/ad/${ad.id}`, undefined],
      ['PUT', `/api/v1/ad/${ad.id}`, JSON.stringify(adBody())],
      ['DELETE', `/api/v1/ad/${ad.id}`, undefined],
    ];
    for (const [method, path, body] of cases) {
      for (const authorization of [
        undefined,
        'Bearer wrong',
        `Bearer ${TOKEN}x`,
        `Basic ${TOKEN}`,
        TOKEN,
        'Bearer ',
      ]) {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (authorization !== undefined) headers.authorization = authorization;
        const res = await client.routed(path, { method, body, headers });
        await expectError(res, 401, 'unauthorized');
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
      }
    }
    expect(await client.get(ad.id)).toEqual({ ...ad, status: 'active' });
    const ok = await client.routed(`/api/v1/ad/${ad.id}`, { headers: { authorization: `bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
  });

  it('the public route stays open', async () => {
    client = await setup({ adminToken: TOKEN });
    const ad = await client.create();
    const res = await client.served('/api/v1/ad');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ items: [{ id: ad.id, title: ad.title, endAt: ad.endAt }] });
  });

  it('without a configured token admin routes are open', async () => {
    client = await setup();
    expect(
      (
        await client.served('/api/v1/ad', {
          method: 'POST',
          body: JSON.stringify(adBody()),
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(201);
  });
});

describe('413 and 415', () => {
  it('a body over 64 KiB → 413, by Content-Length or by the bytes of a chunked body', async () => {
    client = await setup();
    await expectError(await client.send('POST', '/api/v1/ad', big(70_000)), 413, 'payload_too_large');
    const res = await streamed('/api/v1/ad', 'POST', big(70_000), { 'content-type': 'application/json' });
    expect(res.status).toBe(413);
    await expectError(res, 413, 'payload_too_large');
    await expectError(await client.send('PUT', '/api/v1/ad/x', big(65_536)), 413, 'payload_too_large');
    expect(await client.publicIds()).toEqual([]);
  });

  it('a body of exactly 64 KiB is read (and judged on its content)', async () => {
    client = await setup();
    const base = JSON.stringify(adBody({ title: 'x', pad: '' }));
    const exact = JSON.stringify(adBody({ title: 'x', pad: 'y'.repeat(65_536 - base.length) }));
    expect(new TextEncoder().encode(exact).length).toBe(65_536);
    const err = await expectError(await client.send('POST', '/api/v1/ad', exact), 400, 'validation_failed');
    expect(err.error.details.map((d) => d.path)).toEqual(['pad']);
    const chunkedOk = await streamed('/api/v1/ad', 'POST', JSON.stringify(adBody()), {
      'content-type': 'application/json',
    });
    expect(chunkedOk.status).toBe(201);
  });

  it.each([
    ['text/plain', { 'content-type': 'text/plain' }],
    ['form', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['no Content-Type', {}],
    ['latin1 charset', { 'content-type': 'application/json; charset=iso-8859-1' }],
  ])('a write body that is not JSON (%s) → 415', async (_name, headers) => {
    client = await setup();
    const body = new TextEncoder().encode(JSON.stringify(adBody()));
    const post = await client.served('/api/v1/ad', { method: 'POST', body, headers });
    await expectError(post, 415, 'unsupported_media_type');
    const ad = await client.create();
    const put = await client.app.request(`/api/v1/ad/${ad.id}`, { method: 'PUT', body, headers });
    await expectError(put, 415, 'unsupported_media_type');
    expect(await client.publicIds()).toEqual([ad.id]);
  });
});

describe('which error wins', () => {
  it('401 beats 413', async () => {
    client = await setup({ adminToken: TOKEN });
    const res = await client.served('/api/v1/ad', {
      method: 'POST',
      body: big(70_000),
      headers: { 'content-type': 'application/json' },
    });
    await expectError(res, 401, 'unauthorized');
  });

  it('413 beats 415', async () => {
    client = await setup();
    await expectError(
      await client.send('POST', '/api/v1/ad', big(70_000), { 'content-type': 'text/plain' }),
      413,
      'payload_too_large',
    );
    const res = await streamed('/api/v1/ad', 'POST', big(70_000), { 'content-type': 'text/plain' });
    await expectError(res, 413, 'payload_too_large');
  });

  it('415 beats 400', async () => {
    client = await setup();
    await expectError(
      await client.send('POST', '/api/v1/ad', '{not json', { 'content-type': 'text/plain' }),
      415,
      'unsupported_media_type',
    );
  });

  it('400 beats 404', async () => {
    client = await setup();
    await expectError(
      await client.send('PUT', '/api/v1/ad/nope', adBody({ title: '' })),
      400,
      'validation_failed',
    );
    await expectError(await client.send('PUT', '/api/v1/ad/nope', '{'), 400, 'invalid_json');
    await expectError(
      await client.send('PUT', '/api/v1/ad/nope', adBody(), { 'if-match': 'x' }),
      400,
      'validation_failed',
    );
    const del = await client.request('/api/v1/ad/nope', { method: 'DELETE', headers: { 'if-match': 'x' } });
    await expectError(del, 400, 'validation_failed');
  });

  it('404 beats 412', async () => {
    client = await setup();
    await expectError(
      await client.send('PUT', '/api/v1/ad/nope', adBody(), { 'if-match': '"9"' }),
      404,
      'not_found',
    );
    const del = await client.request('/api/v1/ad/nope', { method: 'DELETE', headers: { 'if-match': '"9"' } });
    await expectError(del, 404, 'not_found');
  });

  it('412 beats 429', async () => {
    client = await setup({ maxActiveAds: 1 });
    const a = await client.create();
    await client.create({ startAt: '2027-06-01T00:00:00Z', endAt: '2027-07-01T00:00:00Z' });
    const res = await client.send('PUT', `/api/v1/ad/${a.id}`, adBody({ endAt: '2027-06-15T00:00:00Z' }), {
      'if-match': '"5"',
    });
    await expectError(res, 412, 'version_mismatch');
    await expectError(
      await client.send('PUT', `/api/v1/ad/${a.id}`, adBody({ endAt: '2027-06-15T00:00:00Z' })),
      429,
      'quota_exceeded',
    );
  });

  it('422 beats 429', async () => {
    client = await setup({ maxAdsPerDay: 1 });
    await client.create({}, { 'idempotency-key': 'k' });
    await expectError(
      await client.send('POST', '/api/v1/ad', adBody({ title: 'other' }), { 'idempotency-key': 'k' }),
      422,
      'idempotency_key_reused',
    );
    await expectError(
      await client.send('POST', '/api/v1/ad', adBody({ title: 'other' })),
      429,
      'quota_exceeded',
    );
  });

  it('400 beats 422 and 429', async () => {
    client = await setup({ maxAdsPerDay: 1 });
    await client.create({}, { 'idempotency-key': 'k' });
    await expectError(
      await client.send('POST', '/api/v1/ad', adBody({ title: '' }), { 'idempotency-key': 'k' }),
      400,
      'validation_failed',
    );
  });
});

describe('routing', () => {
  it.each([
    ['GET', '/nope'],
    ['GET', '/api/v1/ads'],
    ['GET', '/api/v1/ad/x/y'],
    ['GET', '/api/v2/ad'],
    ['POST', '/nope'],
  ])('unknown route %s %s → 404 not_found', async (method, path) => {
    client = await setup();
    await expectError(await client.routed(path, { method }), 404, 'not_found');
  });

  it.each([
    ['PATCH', '/api/v1/ad', 'GET, HEAD, POST'],
    ['DELETE', '/api/v1/ad', 'GET, HEAD, POST'],
    ['PUT', '/api/v1/ad', 'GET, HEAD, POST'],
    ['POST', '/api/v1/ad/x', 'GET, HEAD, PUT, DELETE'],
    ['PATCH', '/api/v1/ad/x', 'GET, HEAD, PUT, DELETE'],
    ['POST', '/healthz', 'GET, HEAD'],
    ['DELETE', '/metrics', 'GET, HEAD'],
    ['OPTIONS', '/api/v1/ad', 'GET, HEAD, POST'],
  ])('known route, other method %s %s → 405 with Allow', async (method, path, allow) => {
    client = await setup();
    const res = await client.routed(path, { method });
    await expectError(res, 405, 'method_not_allowed');
    expect(res.headers.get('allow')).toBe(allow);
  });
});
