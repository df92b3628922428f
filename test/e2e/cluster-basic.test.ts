import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adBody, getJson, post, type Server } from './process.js';
import { Cluster, converged, publicView, sleep } from './cluster.js';

const cluster = new Cluster(6);
let replicas: Server[] = [];

beforeAll(async () => {
  await cluster.setup();
  replicas = await Promise.all([cluster.start(), cluster.start(), cluster.start()]);
});
afterAll(() => cluster.teardown());

const put = (s: Server, id: string, body: unknown, ifMatch?: string) =>
  fetch(`${s.url}/api/v1/ad/${id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...(ifMatch ? { 'if-match': ifMatch } : {}) },
    body: JSON.stringify(body),
  });

type AdJson = { id: string; version: number; title: string };

describe('replicated mode: three replicas', () => {
  it('read-your-writes: every acknowledged write is visible at once on the replica that took it', async () => {
    for (let i = 0; i < 30; i++) {
      const s = replicas[i % 3]!;
      const created = (await (await post(s.url, adBody(i))).json()) as AdJson;
      expect((await getJson<AdJson>(`${s.url}/api/v1/ad/${created.id}`)).body.version).toBe(1);
      const ids = (await publicView(s)).map((a) => a.id);
      expect(ids).toContain(created.id);
      const res = await put(s, created.id, adBody(i, { title: `v2 ${i}` }));
      expect(res.status).toBe(200);
      expect((await getJson<AdJson>(`${s.url}/api/v1/ad/${created.id}`)).body.title).toBe(`v2 ${i}`);
      if (i % 5 === 0) {
        expect((await fetch(`${s.url}/api/v1/ad/${created.id}`, { method: 'DELETE' })).status).toBe(204);
        expect((await fetch(`${s.url}/api/v1/ad/${created.id}`)).status).toBe(404);
        expect((await publicView(s)).map((a) => a.id)).not.toContain(created.id);
      }
    }
  });

  it('converges: concurrent creates, updates and deletes on all replicas end identical to each other and to Postgres', async () => {
    const work = replicas.map(async (s, r) => {
      const mine: string[] = [];
      for (let i = 0; i < 40; i++) {
        const res = await post(s.url, adBody(r * 1000 + i));
        expect(res.status).toBe(201);
        mine.push(((await res.json()) as AdJson).id);
      }
      for (const id of mine.slice(0, 15))
        expect((await put(s, id, adBody(7, { title: `upd ${r}` }))).status).toBe(200);
      for (const id of mine.slice(15, 20)) {
        expect((await fetch(`${s.url}/api/v1/ad/${id}`, { method: 'DELETE' })).status).toBe(204);
      }
    });
    await Promise.all(work);
    await converged(cluster, replicas);
    const stored = await cluster.storedAds();
    for (const s of replicas) {
      const view = await publicView(s);
      expect(new Set(view.map((a) => a.id))).toEqual(new Set(stored.keys()));
      for (const a of view.slice(0, 50)) {
        const one = (await getJson<AdJson>(`${s.url}/api/v1/ad/${a.id}`)).body;
        expect(one.version).toBe((stored.get(a.id) as AdJson).version);
      }
    }
  });

  it('concurrent If-Match PUTs of the same version on three replicas: exactly one 200 and two 412', async () => {
    for (let round = 0; round < 5; round++) {
      const created = (await (await post(replicas[0]!.url, adBody(round))).json()) as AdJson;
      await converged(cluster, replicas);
      const answers = await Promise.all(
        replicas.map((s, r) => put(s, created.id, adBody(round, { title: `by ${r}` }), '"1"')),
      );
      const codes = answers.map((a) => a.status).sort();
      expect(codes).toEqual([200, 412, 412]);
    }
  });

  it('idempotency keys work across replicas', async () => {
    const body = adBody(5);
    const first = await post(replicas[0]!.url, body, { 'idempotency-key': 'cross-replica-1' });
    const again = await post(replicas[1]!.url, body, { 'idempotency-key': 'cross-replica-1' });
    const other = await post(
      replicas[2]!.url,
      { ...body, title: 'else' },
      { 'idempotency-key': 'cross-replica-1' },
    );
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(((await again.json()) as AdJson).id).toBe(((await first.json()) as AdJson).id);
    expect(other.status).toBe(422);
  });

  it('expiry: an ad ending a few seconds ahead disappears from every replica', async () => {
    const endAt = new Date(Date.now() + 2500).toISOString();
    const created = (await (await post(replicas[1]!.url, adBody(1, { endAt }))).json()) as AdJson;
    await converged(cluster, replicas);
    for (const s of replicas) expect((await publicView(s)).map((a) => a.id)).toContain(created.id);
    const deadline = Date.now() + 15_000;
    for (;;) {
      const { rows } = await cluster.pool.query<{ expired: boolean }>(
        'SELECT expired FROM ads WHERE id = $1',
        [created.id],
      );
      if (rows[0]?.expired) break;
      if (Date.now() > deadline) throw new Error('the expire entry was never committed');
      await sleep(200);
    }
    await converged(cluster, replicas);
    for (const s of replicas) {
      expect((await publicView(s)).map((a) => a.id)).not.toContain(created.id);
      const one = await getJson<{ status: string }>(`${s.url}/api/v1/ad/${created.id}`);
      expect(one.body.status).toBe('expired');
    }
  });

  it('a crash between commit and XADD: the repair loop publishes the entry and every replica applies it', async () => {
    const doomed = await cluster.start({ env: { ADSM_FAILPOINT: 'after-commit' } });
    const before = await cluster.headSeq();
    await post(doomed.url, adBody(77, { title: 'committed then crashed' })).catch(() => undefined);
    expect(await doomed.exited).toBe(86);
    expect(await cluster.headSeq()).toBe(before + 1);
    const { rows } = await cluster.pool.query<{ entry: { ad: { id: string } } }>(
      'SELECT entry FROM log WHERE seq = $1',
      [before + 1],
    );
    const id = rows[0]!.entry.ad.id;
    await converged(cluster, replicas);
    for (const s of replicas) expect((await getJson(`${s.url}/api/v1/ad/${id}`)).status).toBe(200);
    // The stream itself got the entry (not only the replicas' store polling).
    const deadline = Date.now() + 10_000;
    for (;;) {
      const stream = await cluster.redis.xrevrange(`${cluster.prefix}:log`, '+', '-', 'COUNT', 50);
      const seqs = stream.map(([, fields]) => Number(fields[fields.indexOf('seq') + 1]));
      if (seqs.includes(before + 1)) break;
      if (Date.now() > deadline) throw new Error(`seq ${before + 1} never reached the stream`);
      await sleep(200);
    }
  });
});
