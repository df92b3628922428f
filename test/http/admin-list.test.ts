import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeCursor, encodeCursor } from '../../src/http/ads/admin-list.js';
import { DAY, expectError, HOUR, iso, setup, T0, type AdJson, type Client } from './helpers.js';

interface ListJson {
  items: AdJson[];
  nextCursor: string | null;
}

let client: Client | undefined;
afterEach(async () => {
  await client?.t.close();
  client = undefined;
});

async function start(opts: Parameters<typeof setup>[0] = {}): Promise<Client> {
  client = await setup(opts);
  return client;
}

async function list(c: Client, search = ''): Promise<ListJson> {
  const res = await c.request(`/api/v1/admin/ads${search ? `?${search}` : ''}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as ListJson;
}

const titles = (page: ListJson) => page.items.map((ad) => ad.title);

/** Every ad through every page, following `nextCursor`. */
async function walk(c: Client, search: string): Promise<AdJson[]> {
  const seen: AdJson[] = [];
  let cursor: string | null = null;
  do {
    const page = await list(c, `${search}${cursor ? `&cursor=${cursor}` : ''}`);
    seen.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return seen;
}

describe('GET /api/v1/admin/ads', () => {
  it('needs the admin token when one is configured', async () => {
    const c = await start({ adminToken: 'secret-token' });
    await c.create({ title: 'one' });
    await expectError(await c.app.request('/api/v1/admin/ads'), 401, 'unauthorized');
    const wrong = await c.app.request('/api/v1/admin/ads', {
      headers: { authorization: 'Bearer nope-nope' },
    });
    await expectError(wrong, 401, 'unauthorized');
    expect(titles(await list(c))).toEqual(['one']);
  });

  it('answers every ad with its status, newest first, then by id descending', async () => {
    let n = 0;
    const c = await start({ newId: () => `id-${String(++n).padStart(3, '0')}` });
    const a = await c.create({ title: 'a' });
    const b = await c.create({ title: 'b' });
    c.t.clock.advance(1000);
    const later = await c.create({ title: 'later', startAt: iso(T0 + HOUR), endAt: iso(T0 + DAY) });
    const page = await list(c);
    expect(page.nextCursor).toBeNull();
    expect(page.items).toEqual([
      { ...later, status: 'scheduled' },
      { ...b, status: 'active' },
      { ...a, status: 'active' },
    ]);
  });

  it('filters by status at the time of the request, expired ads included', async () => {
    const c = await start();
    await c.create({ title: 'scheduled', startAt: iso(T0 + HOUR), endAt: iso(T0 + DAY) });
    c.t.clock.advance(1);
    await c.create({ title: 'active' });
    c.t.clock.advance(1);
    const gone = await c.create({ title: 'expired', startAt: iso(T0 - DAY), endAt: iso(T0 - HOUR) });
    // The expiry entry runs at once: memory lets the ad go, the store keeps it.
    await vi.waitFor(async () => expect((await c.t.store.getAd(gone.id))?.expired).toBe(true));
    expect(titles(await list(c, 'status=scheduled'))).toEqual(['scheduled']);
    expect(titles(await list(c, 'status=active'))).toEqual(['active']);
    expect(await list(c, 'status=expired')).toEqual({
      items: [{ ...gone, status: 'expired' }],
      nextCursor: null,
    });
    expect(titles(await list(c))).toEqual(['expired', 'active', 'scheduled']);

    c.t.clock.advance(2 * HOUR);
    expect(titles(await list(c, 'status=scheduled'))).toEqual([]);
    expect(titles(await list(c, 'status=active'))).toEqual(['active', 'scheduled']);
  });

  it('searches titles ignoring case, combined with the status filter', async () => {
    const c = await start();
    await c.create({ title: 'Summer SALE' });
    c.t.clock.advance(1);
    await c.create({ title: 'winter sale' });
    c.t.clock.advance(1);
    await c.create({ title: 'ÉTÉ Sale', startAt: iso(T0 + HOUR), endAt: iso(T0 + DAY) });
    c.t.clock.advance(1);
    await c.create({ title: 'Other' });
    expect(titles(await list(c, 'q=sale'))).toEqual(['ÉTÉ Sale', 'winter sale', 'Summer SALE']);
    expect(titles(await list(c, 'q=SUMMER%20s'))).toEqual(['Summer SALE']);
    expect(titles(await list(c, 'q=%C3%A9t%C3%A9'))).toEqual(['ÉTÉ Sale']);
    expect(titles(await list(c, 'q=sale&status=active'))).toEqual(['winter sale', 'Summer SALE']);
    expect(titles(await list(c, 'q=nothing'))).toEqual([]);
    expect(titles(await list(c, `q=${'x'.repeat(256)}`))).toEqual([]);
  });

  it('pages by limit (default 50, at most 200) and cursor, the last page with nextCursor null', async () => {
    const c = await start();
    for (let i = 0; i < 120; i++) {
      await c.create({ title: `ad ${i}` });
      c.t.clock.advance(1);
    }
    const first = await list(c);
    expect(first.items).toHaveLength(50);
    expect(first.items[0]!.title).toBe('ad 119');
    expect(first.nextCursor).toEqual(expect.any(String));
    expect((await list(c, 'limit=200')).items).toHaveLength(120);
    expect((await list(c, 'limit=200')).nextCursor).toBeNull();
    expect((await list(c, 'limit=120')).nextCursor).toBeNull();
    expect((await list(c, 'limit=119')).nextCursor).not.toBeNull();
    const all = await walk(c, 'limit=7');
    expect(all.map((ad) => ad.title)).toEqual(Array.from({ length: 120 }, (_, i) => `ad ${119 - i}`));
  });

  it('a cursor neither repeats nor skips ads that exist on both requests, whatever is created or deleted', async () => {
    const c = await start();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.tuple(fc.nat(3), fc.nat(1000), fc.boolean()), { maxLength: 40 }),
        async (initial, limit, ops) => {
          const live = new Map<string, AdJson>();
          for (const ad of (await walk(c, 'limit=200')).values()) {
            expect((await c.request(`/api/v1/ad/${ad.id}`, { method: 'DELETE' })).status).toBe(204);
          }
          for (let i = 0; i < initial; i++) {
            const ad = await c.create({ title: `start ${i}` });
            live.set(ad.id, ad);
            if (i % 3 === 0) c.t.clock.advance(1);
          }
          const atStart = new Set(live.keys());
          const deleted = new Set<string>();
          const seen: AdJson[] = [];
          let cursor: string | null = null;
          let step = 0;
          do {
            const page = await list(c, `limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
            seen.push(...page.items);
            cursor = page.nextCursor;
            // Between pages: creates (sometimes at the same millisecond) and deletes of any ad.
            for (const [kind, pick, tick] of ops.slice(step * 3, step * 3 + 3)) {
              if (tick) c.t.clock.advance(1);
              if (kind === 0 && live.size > 0) {
                const id = [...live.keys()][pick % live.size]!;
                expect((await c.request(`/api/v1/ad/${id}`, { method: 'DELETE' })).status).toBe(204);
                live.delete(id);
                deleted.add(id);
              } else {
                const ad = await c.create({ title: `during ${pick}` });
                live.set(ad.id, ad);
              }
            }
            step++;
          } while (cursor !== null);
          const ids = seen.map((ad) => ad.id);
          expect(new Set(ids).size).toBe(ids.length);
          for (const id of atStart) if (!deleted.has(id)) expect(ids).toContain(id);
          const order = seen.map((ad) => [Date.parse(ad.createdAt), ad.id] as const);
          for (let i = 1; i < order.length; i++) {
            const [t0, id0] = order[i - 1]!;
            const [t1, id1] = order[i]!;
            expect(t0 > t1 || (t0 === t1 && id0 > id1)).toBe(true);
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it.each([
    ['status=paused', 'status'],
    ['status=', 'status'],
    ['status=active&status=expired', 'status'],
    ['q=', 'q'],
    [`q=${'x'.repeat(257)}`, 'q'],
    ['q=a&q=b', 'q'],
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['limit=2.5', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=', 'limit'],
    ['cursor=', 'cursor'],
    ['cursor=not-a-cursor', 'cursor'],
    ['cursor=%2B%2B%2B', 'cursor'],
    [`cursor=${Buffer.from('[1]').toString('base64url')}`, 'cursor'],
    [`cursor=${Buffer.from('[-1,"a"]').toString('base64url')}`, 'cursor'],
    [`cursor=${Buffer.from('[1,""]').toString('base64url')}`, 'cursor'],
    [`cursor=${Buffer.from('{"createdAt":1,"id":"a"}').toString('base64url')}`, 'cursor'],
    [
      `cursor=${encodeCursor({ createdAt: 1, id: 'a' })}&cursor=${encodeCursor({ createdAt: 2, id: 'b' })}`,
      'cursor',
    ],
  ])('%s → 400 naming %s', async (search, path) => {
    const c = await start();
    const body = await expectError(await c.request(`/api/v1/admin/ads?${search}`), 400, 'validation_failed');
    expect(body.error.details.map((d) => d.path)).toEqual([path]);
  });

  it('ignores unknown parameters; POST is a 405', async () => {
    const c = await start();
    await c.create({ title: 'x' });
    expect(titles(await list(c, 'foo=bar&offset=-1'))).toEqual(['x']);
    await expectError(await c.send('POST', '/api/v1/admin/ads', {}), 405, 'method_not_allowed');
  });

  it('cursors round-trip and only their canonical spelling is accepted', () => {
    const p = { createdAt: T0, id: '0193a1c6-7d2e-7b3a-9f00-1c2d3e4f5a6b' };
    expect(decodeCursor(encodeCursor(p))).toEqual(p);
    const text = encodeCursor(p);
    expect(decodeCursor(`${text}=`)).toBeUndefined();
    expect(decodeCursor(text.slice(0, -1))).toBeUndefined();
  });

  it('is described in /openapi.json from the same schemas', async () => {
    const c = await start();
    const doc = (await (await c.app.request('/openapi.json')).json()) as {
      paths: Record<
        string,
        Record<string, { parameters: { name: string; in: string }[]; responses: Record<string, unknown> }>
      >;
      components: { schemas: Record<string, unknown> };
    };
    const op = doc.paths['/api/v1/admin/ads']!.get!;
    expect(op.parameters.map((p) => `${p.in}:${p.name}`).sort()).toEqual([
      'query:cursor',
      'query:limit',
      'query:q',
      'query:status',
    ]);
    expect(Object.keys(op.responses).sort()).toEqual(['200', '400', '401', '500', '503']);
    expect(doc.components.schemas).toHaveProperty('AdListPage');
  });
});
