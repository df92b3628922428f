import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_DETAILS } from '../../src/model/errors.js';
import { adBody, expectError, setup, type Client } from './helpers.js';

let client: Client;
beforeAll(async () => {
  client = await setup();
});
afterAll(() => client.t.close());

describe('Content-Encoding on a request body', () => {
  it.each(['gzip', 'br', 'deflate', 'gzip, identity', 'x-anything'])('%s → 415', async (encoding) => {
    const body = JSON.stringify(adBody());
    const sent = encoding === 'gzip' ? gzipSync(body) : body;
    const res = await client.request('/api/v1/ad', {
      method: 'POST',
      body: sent,
      headers: { 'content-type': 'application/json', 'content-encoding': encoding },
    });
    await expectError(res, 415, 'unsupported_media_type');
  });

  it('on a replace → 415, nothing changed', async () => {
    const ad = await client.create({ title: 'before' });
    const res = await client.send('PUT', `/api/v1/ad/${ad.id}`, adBody({ title: 'after' }), {
      'content-encoding': 'gzip',
    });
    await expectError(res, 415, 'unsupported_media_type');
    expect((await client.get(ad.id)).title).toBe('before');
  });

  it('identity is the body as sent', async () => {
    const res = await client.send('POST', '/api/v1/ad', adBody(), { 'content-encoding': 'identity' });
    expect(res.status).toBe(201);
  });
});

describe('error details', () => {
  it(`list the first ${MAX_DETAILS} problems and count the rest`, async () => {
    const country = Array.from({ length: 10_000 }, (_, i) => `${i % 10}${i % 7}`);
    const res = await client.send('POST', '/api/v1/ad', adBody({ conditions: { country } }));
    const text = await res.clone().text();
    const body = await expectError(res, 400, 'validation_failed');
    expect(body.error.details).toHaveLength(MAX_DETAILS + 1);
    expect(body.error.details[MAX_DETAILS]).toEqual({ path: '', message: '9900 more problems not shown' });
    expect(text.length).toBeLessThan(20_000);
  });

  it('list every problem when there are few', async () => {
    const res = await client.send('POST', '/api/v1/ad', adBody({ conditions: { country: ['ZZ', 'QQ'] } }));
    const body = await expectError(res, 400, 'validation_failed');
    expect(body.error.details.length).toBeLessThanOrEqual(2);
    expect(body.error.details.every((d) => d.path.startsWith('conditions'))).toBe(true);
  });
});
