import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adBody, setup, type Client } from './helpers.js';

let client: Client;
let anonymous: Client;

beforeAll(async () => {
  client = await setup({ adminToken: 'secret-token' });
  anonymous = new (client.constructor as typeof Client)(client.t);
});
afterAll(() => client.t.close());

describe('security headers', () => {
  it('X-Content-Type-Options: nosniff on every answer', async () => {
    const answers = [
      await client.request('/healthz'),
      await client.request('/openapi.json'),
      await client.request('/nowhere'),
      await client.request('/api/v1/ad?limit=0'),
      await client.send('POST', '/api/v1/ad', adBody()),
      await anonymous.send('POST', '/api/v1/ad', adBody()),
      await client.request('/healthz', { method: 'POST' }),
    ];
    for (const res of answers) expect(res.headers.get('x-content-type-options'), res.url).toBe('nosniff');
  });

  it('Cache-Control: no-store on admin answers, successes and errors alike', async () => {
    const created = await client.send('POST', '/api/v1/ad', adBody());
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const answers = [
      created,
      await client.request(`/api/v1/ad/${id}`),
      await client.send('PUT', `/api/v1/ad/${id}`, adBody({ title: 'changed' })),
      await client.request('/api/v1/ad/missing'),
      await anonymous.request(`/api/v1/ad/${id}`),
      await anonymous.send('POST', '/api/v1/ad', adBody()),
      await client.request(`/api/v1/ad/${id}`, { method: 'DELETE' }),
    ];
    for (const res of answers) expect(res.headers.get('cache-control'), String(res.status)).toBe('no-store');
  });

  it('leaves the public query cacheable', async () => {
    const res = await client.request('/api/v1/ad');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBeNull();
  });
});
