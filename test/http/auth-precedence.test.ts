import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adBody, expectError, setup, type AdJson, type Client } from './helpers.js';

/**
 * The contract's precedence: auth (401) is checked before body size (413), body type (415), JSON
 * and validation (400), existence (404), If-Match (412) and idempotency (422), on every admin
 * route. Each case is first shown to fail with its own status when authorised, so a 401 without
 * the token proves auth came first.
 */

const TOKEN = 's3cret-token';
const UNKNOWN = '0190a6f0-0000-7000-8000-000000000000';
const big = JSON.stringify(adBody({ pad: 'y'.repeat(70_000) }));

function chunked(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + 8192));
      at += 8192;
    },
  });
}

interface Case {
  readonly name: string;
  readonly method: string;
  /** `:id` is replaced by an existing ad's id. */
  readonly path: string;
  readonly body?: () => string | ReadableStream<Uint8Array>;
  readonly headers?: Record<string, string>;
  readonly status: number;
  readonly code: string;
}

const json = { 'content-type': 'application/json' };
const body = (value: unknown) => () => JSON.stringify(value);

const cases: Case[] = [
  {
    name: '413 by Content-Length',
    method: 'POST',
    path: '/api/v1/ad',
    body: () => big,
    headers: json,
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: '413 chunked',
    method: 'POST',
    path: '/api/v1/ad',
    body: () => chunked(big),
    headers: json,
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: '415',
    method: 'POST',
    path: '/api/v1/ad',
    body: body(adBody()),
    headers: { 'content-type': 'text/plain' },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: '400 invalid_json',
    method: 'POST',
    path: '/api/v1/ad',
    body: () => '{',
    headers: json,
    status: 400,
    code: 'invalid_json',
  },
  {
    name: '400 validation_failed',
    method: 'POST',
    path: '/api/v1/ad',
    body: body(adBody({ title: '' })),
    headers: json,
    status: 400,
    code: 'validation_failed',
  },
  {
    name: '400 bad Idempotency-Key',
    method: 'POST',
    path: '/api/v1/ad',
    body: body(adBody()),
    headers: { ...json, 'idempotency-key': 'k'.repeat(201) },
    status: 400,
    code: 'validation_failed',
  },
  {
    name: '422 key reused',
    method: 'POST',
    path: '/api/v1/ad',
    body: body(adBody({ title: 'other' })),
    headers: { ...json, 'idempotency-key': 'used' },
    status: 422,
    code: 'idempotency_key_reused',
  },
  { name: '404', method: 'GET', path: `/api/v1/ad/${UNKNOWN}`, status: 404, code: 'not_found' },
  {
    name: '400 bad listing query',
    method: 'GET',
    path: '/api/v1/admin/ads?status=gone&cursor=!',
    status: 400,
    code: 'validation_failed',
  },
  {
    name: '413 by Content-Length',
    method: 'PUT',
    path: '/api/v1/ad/:id',
    body: () => big,
    headers: json,
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: '413 chunked',
    method: 'PUT',
    path: '/api/v1/ad/:id',
    body: () => chunked(big),
    headers: json,
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: '415',
    method: 'PUT',
    path: '/api/v1/ad/:id',
    body: body(adBody()),
    headers: { 'content-type': 'text/plain' },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: '400 invalid_json',
    method: 'PUT',
    path: '/api/v1/ad/:id',
    body: () => '{',
    headers: json,
    status: 400,
    code: 'invalid_json',
  },
  {
    name: '400 validation_failed',
    method: 'PUT',
    path: '/api/v1/ad/:id',
    body: body(adBody({ title: '' })),
    headers: json,
    status: 400,
    code: 'validation_failed',
  },
  {
    name: '400 bad If-Match',
    method: 'PUT',
    path: '/api/v1/ad/:id',
    body: body(adBody()),
    headers: { ...json, 'if-match': 'x' },
    status: 400,
    code: 'validation_failed',
  },
  {
    name: '404',
    method: 'PUT',
    path: `/api/v1/ad/${UNKNOWN}`,
    body: body(adBody()),
    headers: json,
    status: 404,
    code: 'not_found',
  },
  {
    name: '412',
    method: 'PUT',
    path: '/api/v1/ad/:id',
    body: body(adBody()),
    headers: { ...json, 'if-match': '"9"' },
    status: 412,
    code: 'version_mismatch',
  },
  {
    name: '400 bad If-Match',
    method: 'DELETE',
    path: '/api/v1/ad/:id',
    headers: { 'if-match': 'x' },
    status: 400,
    code: 'validation_failed',
  },
  { name: '404', method: 'DELETE', path: `/api/v1/ad/${UNKNOWN}`, status: 404, code: 'not_found' },
  {
    name: '412',
    method: 'DELETE',
    path: '/api/v1/ad/:id',
    headers: { 'if-match': '"9"' },
    status: 412,
    code: 'version_mismatch',
  },
];

let client: Client;
let ad: AdJson;
beforeAll(async () => {
  client = await setup({ adminToken: TOKEN });
  ad = await client.create({}, { 'idempotency-key': 'used' });
});
afterAll(async () => {
  await client.t.close();
});

async function send(c: Case, authorization: string | undefined): Promise<Response> {
  const headers: Record<string, string> = { ...c.headers };
  if (authorization !== undefined) headers.authorization = authorization;
  const init: RequestInit = { method: c.method, headers };
  if (c.body) Object.assign(init, { body: c.body(), duplex: 'half' });
  return await client.routed(c.path.replace(':id', ad.id), init);
}

describe('401 beats every other error on every admin route', () => {
  it.each(cases.map((c) => [`${c.method} ${c.name}`, c] as const))('%s', async (_name, c) => {
    await expectError(await send(c, `Bearer ${TOKEN}`), c.status, c.code);
    for (const authorization of [undefined, 'Bearer wrong']) {
      const res = await send(c, authorization);
      await expectError(res, 401, 'unauthorized');
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
    expect(await client.get(ad.id)).toEqual({ ...ad, status: 'active' });
    expect(client.t.service.stats().appliedSeq).toBe(1);
  });
});
