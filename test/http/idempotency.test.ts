import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adBody, DAY, expectError, HOUR, iso, setup, T0, type AdJson, type Client } from './helpers.js';

let client: Client;
beforeEach(async () => {
  client = await setup();
});
afterEach(async () => {
  await client.t.close();
});

const post = (body: unknown, key: string) =>
  client.send('POST', '/api/v1/ad', body, { 'idempotency-key': key });

describe('Idempotency-Key on POST', () => {
  it('a retry answers the first answer again and creates nothing', async () => {
    const body = adBody({ conditions: { country: ['TW'], ageStart: 20 } });
    const first = await post(body, 'key-1');
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const ad = (await first.json()) as AdJson;

    client.t.clock.advance(HOUR);
    const again = await post(body, 'key-1');
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe(`/api/v1/ad/${ad.id}`);
    expect(again.headers.get('etag')).toBe('"1"');
    expect(await again.json()).toEqual(ad);
    expect(await client.publicIds()).toEqual([ad.id]);
  });

  it('the same JSON value with other key order and white space is the same body', async () => {
    const first = await client.send(
      'POST',
      '/api/v1/ad',
      `{"title":"A","startAt":"${iso(T0)}","endAt":"${iso(T0 + DAY)}","conditions":{"gender":["F"],"ageEnd":30}}`,
      { 'idempotency-key': 'k' },
    );
    const ad = (await first.json()) as AdJson;
    const again = await client.send(
      'POST',
      '/api/v1/ad',
      `{ "conditions" : { "ageEnd" : 30.0, "gender" : [ "F" ] },\n  "endAt": "${iso(T0 + DAY)}", "startAt": "${iso(T0)}", "title": "A" }`,
      { 'idempotency-key': 'k' },
    );
    expect(again.status).toBe(201);
    expect(((await again.json()) as AdJson).id).toBe(ad.id);
    expect(await client.publicIds()).toEqual([ad.id]);
  });

  it('the same key with a different body → 422, nothing created', async () => {
    const first = (await (await post(adBody({ title: 'one' }), 'k')).json()) as AdJson;
    await expectError(await post(adBody({ title: 'two' }), 'k'), 422, 'idempotency_key_reused');
    await expectError(
      await post(adBody({ title: 'one', conditions: {} }), 'k'),
      422,
      'idempotency_key_reused',
    );
    expect(await client.publicIds()).toEqual([first.id]);
  });

  it('a replay answers the first answer even after the ad changed', async () => {
    const body = adBody({ title: 'original' });
    const ad = (await (await post(body, 'k')).json()) as AdJson;
    await client.send('PUT', `/api/v1/ad/${ad.id}`, adBody({ title: 'changed' }));
    const again = await post(body, 'k');
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(ad);
    expect((await client.get(ad.id)).title).toBe('changed');
  });

  it('different keys create different ads; no key never replays', async () => {
    const body = adBody();
    const a = (await (await post(body, 'a')).json()) as AdJson;
    const b = (await (await post(body, 'b')).json()) as AdJson;
    const c = await client.create();
    const d = await client.create();
    expect(new Set([a.id, b.id, c.id, d.id]).size).toBe(4);
  });

  it('failed answers are not remembered', async () => {
    await expectError(await post(adBody({ title: '' }), 'k'), 400, 'validation_failed');
    const ok = await post(adBody(), 'k');
    expect(ok.status).toBe(201);
    expect(ok.headers.get('idempotent-replayed')).toBeNull();
  });

  it('accepts a 200-character key', async () => {
    expect((await post(adBody(), 'k'.repeat(200))).status).toBe(201);
  });
});
