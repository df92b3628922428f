import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adBody, DAY, expectError, HOUR, iso, setup, T0, type AdJson, type Client } from './helpers.js';

/** Every bad input answers 400 in the contract's format and changes nothing. */

let client: Client;
let existing: AdJson;
let publicBefore: string[];

beforeAll(async () => {
  client = await setup();
  existing = await client.create({ title: 'keep me', conditions: { country: ['TW'] } });
  await client.create({ title: 'other', endAt: iso(T0 + 2 * DAY) });
  publicBefore = await client.publicIds();
});

afterAll(async () => {
  await client.t.close();
});

const s = JSON.stringify;
const badBodies: [string, string, string | undefined][] = [
  ['missing title', s({ startAt: iso(T0), endAt: iso(T0 + DAY) }), 'title'],
  ['missing startAt', s({ title: 't', endAt: iso(T0 + DAY) }), 'startAt'],
  ['missing endAt', s({ title: 't', startAt: iso(T0) }), 'endAt'],
  ['null title', s(adBody({ title: null })), 'title'],
  ['numeric title', s(adBody({ title: 42 })), 'title'],
  ['empty title', s(adBody({ title: '' })), 'title'],
  ['blank title', s(adBody({ title: ' \t\n ' })), 'title'],
  ['257-character title', s(adBody({ title: 'x'.repeat(257) })), 'title'],
  ['257 emoji title', s(adBody({ title: '🎯'.repeat(257) })), 'title'],
  ['unknown top-level field', s(adBody({ priority: 1 })), 'priority'],
  ['id in body', s(adBody({ id: 'mine' })), 'id'],
  ['date-only startAt', s(adBody({ startAt: '2026-12-10' })), 'startAt'],
  ['zone-less startAt', s(adBody({ startAt: '2026-12-10T03:00:00' })), 'startAt'],
  ['numeric startAt', s(adBody({ startAt: T0 })), 'startAt'],
  ['year before 1970', s(adBody({ startAt: '1969-12-31T00:00:00Z' })), 'startAt'],
  ['impossible date', s(adBody({ endAt: '2027-02-30T00:00:00Z' })), 'endAt'],
  ['hour 24', s(adBody({ endAt: '2027-01-01T24:00:00Z' })), 'endAt'],
  ['offset without colon', s(adBody({ endAt: '2027-01-01T00:00:00+0800' })), 'endAt'],
  ['endAt equal to startAt', s(adBody({ startAt: iso(T0), endAt: iso(T0) })), 'endAt'],
  ['endAt before startAt', s(adBody({ startAt: iso(T0 + HOUR), endAt: iso(T0) })), 'endAt'],
  ['conditions as a string', s(adBody({ conditions: 'everyone' })), 'conditions'],
  ['conditions as a number', s(adBody({ conditions: 1 })), 'conditions'],
  ['unknown condition field', s(adBody({ conditions: { age: 20 } })), 'conditions.age'],
  ['unknown field in a listed set', s(adBody({ conditions: [{}, { os: ['ios'] }] })), 'conditions.1.os'],
  ['ageStart 0', s(adBody({ conditions: [{ ageStart: 0 }] })), 'conditions.0.ageStart'],
  ['ageEnd 101', s(adBody({ conditions: { ageEnd: 101 } })), 'conditions.ageEnd'],
  ['fractional age', s(adBody({ conditions: [{ ageStart: 20.5 }] })), 'conditions.0.ageStart'],
  ['age as a string', s(adBody({ conditions: [{ ageStart: '20' }] })), 'conditions.0.ageStart'],
  ['ageStart above ageEnd', s(adBody({ conditions: [{ ageStart: 30, ageEnd: 20 }] })), 'conditions.0.ageEnd'],
  ['empty gender list', s(adBody({ conditions: { gender: [] } })), 'conditions.gender'],
  ['lower-case gender', s(adBody({ conditions: { gender: ['f'] } })), 'conditions.gender.0'],
  ['gender as a string', s(adBody({ conditions: { gender: 'F' } })), 'conditions.gender'],
  ['unknown gender', s(adBody({ conditions: [{ gender: ['M', 'X'] }] })), 'conditions.0.gender.1'],
  ['empty country list', s(adBody({ conditions: { country: [] } })), 'conditions.country'],
  ['unassigned country', s(adBody({ conditions: { country: ['ZZ'] } })), 'conditions.country.0'],
  ['alpha-3 country', s(adBody({ conditions: { country: ['TWN'] } })), 'conditions.country.0'],
  ['user-assigned country XK', s(adBody({ conditions: { country: ['XK'] } })), 'conditions.country.0'],
  ['empty platform list', s(adBody({ conditions: { platform: [] } })), 'conditions.platform'],
  ['upper-case platform', s(adBody({ conditions: { platform: ['IOS'] } })), 'conditions.platform.0'],
  ['unknown platform', s(adBody({ conditions: { platform: ['pc'] } })), 'conditions.platform.0'],
  ['nested list of sets', s(adBody({ conditions: [[{}]] })), 'conditions.0'],
  ['body is a list', s([adBody()]), ''],
  ['body is a string', s('hello'), ''],
  ['body is null', 'null', ''],
];
const badJson: [string, string][] = [
  ['truncated JSON', '{"title": "t"'],
  ['trailing comma', '{"title": "t",}'],
  ['single quotes', "{'title': 't'}"],
  ['empty body', ''],
  ['two documents', '{} {}'],
];

describe('POST /api/v1/ad with a bad body', () => {
  it.each(badBodies)('%s → 400 validation_failed', async (_name, body, path) => {
    const res = await client.send('POST', '/api/v1/ad', body);
    const err = await expectError(res, 400, 'validation_failed');
    if (path !== undefined) expect(err.error.details.map((d) => d.path)).toContain(path);
  });

  it.each(badJson)('%s → 400 invalid_json', async (_name, body) => {
    await expectError(await client.send('POST', '/api/v1/ad', body), 400, 'invalid_json');
  });

  it('invalid UTF-8 → 400 invalid_json', async () => {
    const bytes = new Uint8Array([0x7b, 0x22, 0x74, 0xff, 0x22, 0x3a, 0x31, 0x7d]);
    const res = await client.request('/api/v1/ad', {
      method: 'POST',
      body: bytes,
      headers: { 'content-type': 'application/json' },
    });
    await expectError(res, 400, 'invalid_json');
  });

  it.each([
    ['empty Idempotency-Key', ''],
    ['201-character Idempotency-Key', 'k'.repeat(201)],
  ])('%s → 400', async (_name, key) => {
    const res = await client.send('POST', '/api/v1/ad', adBody(), { 'idempotency-key': key });
    const err = await expectError(res, 400, 'validation_failed');
    expect(err.error.details.map((d) => d.path)).toEqual(['Idempotency-Key']);
  });
});

describe('PUT /api/v1/ad/:id with a bad body or header', () => {
  it.each(badBodies.filter((_, i) => i % 3 === 0))(
    '%s → 400 validation_failed',
    async (_name, body, path) => {
      const res = await client.send('PUT', `/api/v1/ad/${existing.id}`, body);
      const err = await expectError(res, 400, 'validation_failed');
      if (path !== undefined) expect(err.error.details.map((d) => d.path)).toContain(path);
    },
  );

  it.each(badJson)('%s → 400 invalid_json', async (_name, body) => {
    await expectError(await client.send('PUT', `/api/v1/ad/${existing.id}`, body), 400, 'invalid_json');
  });

  it.each(['', 'abc', '"3', 'W/3', '"1", "2"', '-1', '1.0'])('If-Match %j → 400', async (ifMatch) => {
    const res = await client.send('PUT', `/api/v1/ad/${existing.id}`, adBody(), { 'if-match': ifMatch });
    const err = await expectError(res, 400, 'validation_failed');
    expect(err.error.details.map((d) => d.path)).toEqual(['If-Match']);
  });

  it.each(['abc', 'W/"x"'])('DELETE with If-Match %j → 400', async (ifMatch) => {
    const res = await client.request(`/api/v1/ad/${existing.id}`, {
      method: 'DELETE',
      headers: { 'if-match': ifMatch },
    });
    await expectError(res, 400, 'validation_failed');
  });
});

describe('GET /api/v1/ad with a bad query', () => {
  it.each([
    'limit=0',
    'limit=101',
    'limit=-5',
    'limit=',
    'offset=-1',
    'offset=1.5',
    'offset=x',
    'age=2.5',
    'age=abc',
    'age=1e2',
    'age=+1',
    'age=%201',
    'age=0',
    'age=101',
    'age=',
    'age',
    'gender=X',
    'gender=f',
    'gender=',
    'country=ZZ',
    'country=TWN',
    'country=',
    'platform=pc',
    'platform=iOS',
    'age=20&age=20',
    'country=TW&country=JP',
    'limit=10&limit=20',
  ])('?%s → 400 naming the parameter', async (search) => {
    const res = await client.served(`/api/v1/ad?${search}`);
    const err = await expectError(res, 400, 'validation_failed');
    expect(err.error.details[0]?.path).toBe(search.split('=')[0]);
  });
});

describe('after all the bad requests', () => {
  it('nothing changed', async () => {
    expect(await client.publicIds()).toEqual(publicBefore);
    const now = await client.get(existing.id);
    expect(now).toEqual({ ...existing, status: 'active' });
    expect(now.version).toBe(1);
  });
});
