import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { AdInput } from '../../src/model/ad.js';
import { freshPublicAnswer } from '../support/public-answer.js';
import { createTestApp, type TestApp, type TestAppOptions } from '../support/test-app.js';
import { DAY, HOUR, T0 } from './helpers.js';

/**
 * The public query as the replica serves it (node:http, ahead of hono): every answer must be the
 * one worked out afresh at that moment, whatever was written or how time moved (anything that
 * keeps answers, now or later, must pass these).
 */

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly id: string;
}

let t: TestApp;
afterEach(async () => {
  await t.close();
});

const get = (port: number, path: string, headers: Record<string, string> = {}) =>
  new Promise<Answer>((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body, id: String(res.headers['x-request-id']) }),
      );
    })
      .on('error', reject)
      .end();
  });

/** The replica served on its own node:http server. */
async function serve(opts: TestAppOptions = {}) {
  // The answer cache as served, small enough that slots are shared.
  t = await createTestApp({ now: T0, ...opts, config: { ANSWER_CACHE_SLOTS: 8, ...opts.config } });
  const port = await t.listen();
  /**
   * Titles on the page served at `path`, after checking it against the page worked out afresh:
   * asked three times, so the answer cache keeps it (second miss) and answers it (third).
   */
  const titles = async (path = '/api/v1/ad?limit=100'): Promise<string[]> => {
    const fresh = freshPublicAnswer(t.service, path);
    let served = { status: 0, body: '' };
    for (let i = 0; i < 3; i++) {
      served = await get(port, path);
      expect({ status: served.status, body: served.body }).toEqual(fresh);
    }
    return served.status === 200
      ? (JSON.parse(served.body) as { items: { title: string }[] }).items.map((i) => i.title)
      : [];
  };
  return { titles, port };
}

const ad = (title: string, startAt: number, endAt: number): AdInput => ({
  title,
  startAt,
  endAt,
  conditions: [],
});

describe('the fast public route, asked again and again', () => {
  it('answers a repeated URL the same, with a request id per request', async () => {
    const { titles, port } = await serve();
    await t.service.create(ad('A', T0 - HOUR, T0 + DAY));
    expect(await titles()).toEqual(['A']);
    expect(await titles()).toEqual(['A']);
    const [one, two] = [await get(port, '/api/v1/ad?limit=100'), await get(port, '/api/v1/ad?limit=100')];
    expect(one.body).toBe(two.body);
    expect(one.id).not.toBe(two.id);
    expect((await get(port, '/api/v1/ad?limit=100', { 'x-request-id': 'mine-1' })).id).toBe('mine-1');
  });

  it('changes the answer at once after a create, an update and a delete', async () => {
    const { titles } = await serve();
    expect(await titles()).toEqual([]);
    const { ad: a } = await t.service.create(ad('A', T0 - HOUR, T0 + DAY));
    expect(await titles()).toEqual(['A']);
    await t.service.update(a.id, ad('A2', T0 - HOUR, T0 + DAY));
    expect(await titles()).toEqual(['A2']);
    await t.service.create(ad('B', T0 - HOUR, T0 + HOUR));
    expect(await titles()).toEqual(['B', 'A2']);
    await t.service.delete(a.id);
    expect(await titles()).toEqual(['B']);
  });

  it('changes the answer when an ad starts or ends with no write, at that millisecond', async () => {
    const { titles } = await serve();
    await t.service.create(ad('LATER', T0 + 10 * 60_000, T0 + 20 * 60_000));
    await t.service.create(ad('NOW', T0 - HOUR, T0 + DAY));
    for (const [at, want] of [
      [T0, ['NOW']],
      [T0 + 10 * 60_000 - 1, ['NOW']],
      [T0 + 10 * 60_000, ['LATER', 'NOW']],
      [T0 + 20 * 60_000 - 1, ['LATER', 'NOW']],
      [T0 + 20 * 60_000, ['NOW']],
      [T0 + 10 * 60_000, ['LATER', 'NOW']],
      [T0 + DAY, []],
    ] as const) {
      t.clock.set(at);
      expect({ at, titles: await titles() }).toEqual({ at, titles: want });
      expect({ at, titles: await titles() }).toEqual({ at, titles: want });
    }
  });

  it('changes the answer when an expiry is applied, also one this replica did not expect yet', async () => {
    // This replica's clock runs 30 s behind the store's: by its own clock the ad is still running
    // when the store expires it.
    const { titles } = await serve({ clockOffsetMs: -30_000 });
    const { ad: a } = await t.service.create(ad('A', T0 - HOUR, T0 + 60_000));
    await t.service.create(ad('B', T0 - HOUR, T0 + DAY));
    t.clock.set(T0 + 60_000);
    expect(await titles()).toEqual(['A', 'B']);
    const replica = t.service as unknown as { expire(id: string, version: number): Promise<unknown> };
    await replica.expire(a.id, a.version);
    expect(await titles()).toEqual(['B']);
  });

  it('answers each bad request in full, every time', async () => {
    const { titles } = await serve();
    for (const path of ['/api/v1/ad?limit=0', '/api/v1/ad?age=abc', '/api/v1/ad?limit=0']) await titles(path);
    await t.service.create(ad('A', T0 - HOUR, T0 + DAY));
    expect(await titles('/api/v1/ad?limit=1&age=abc')).toEqual([]);
    expect(await titles('/api/v1/ad?limit=1')).toEqual(['A']);
  });

  it('answers by offset, limit and filters, whatever their order', async () => {
    const { titles } = await serve();
    for (let i = 0; i < 5; i++) await t.service.create(ad(`AD ${i}`, T0 - HOUR, T0 + DAY + i));
    expect(await titles('/api/v1/ad?limit=2')).toEqual(['AD 0', 'AD 1']);
    expect(await titles('/api/v1/ad?limit=2&offset=2')).toEqual(['AD 2', 'AD 3']);
    expect(await titles('/api/v1/ad?offset=2&limit=2')).toEqual(['AD 2', 'AD 3']);
    expect(await titles('/api/v1/ad?limit=2&offset=4')).toEqual(['AD 4']);
    expect(await titles('/api/v1/ad?limit=2')).toEqual(['AD 0', 'AD 1']);
    expect(await titles('/api/v1/ad?limit=2&x=1&offset=1')).toEqual(['AD 1', 'AD 2']);
  });
});
