import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Entry } from '../statemachine/entries.js';
import { migratePostgres } from '../db/postgres-migrate.js';
import { createPostgresStore } from './postgres-store.js';
import { append, liveAmong, testAd } from './store.contract.js';
import { IDEMPOTENCY_KEY_TTL_MS, type Store } from './store.js';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PREFIX = `adsm_batch_${randomBytes(6).toString('hex')}`;
const q = pg.escapeIdentifier;
const T0 = Date.UTC(2030, 0, 1);

let pool: pg.Pool;
let schemas = 0;

beforeAll(() => {
  pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
});

afterAll(async () => {
  const { rows } = await pool.query<{ name: string }>(
    'SELECT nspname AS name FROM pg_namespace WHERE starts_with(nspname, $1)',
    [PREFIX],
  );
  for (const { name } of rows) await pool.query(`DROP SCHEMA ${q(name)} CASCADE`);
  await pool.end();
});

/** A store on a fresh schema, and the statements its transactions sent (pool.connect spied on). */
async function counted(): Promise<{ store: Store; schema: string; sent: string[] }> {
  const schema = `${PREFIX}_${++schemas}`;
  await migratePostgres(pool, { schema });
  const sent: string[] = [];
  const spy = Object.create(pool) as pg.Pool;
  const wrapped = async (): Promise<pg.PoolClient> => {
    const client = await pool.connect();
    const query = client.query.bind(client) as (text: string, values?: unknown[]) => Promise<unknown>;
    return Object.assign(Object.create(client) as pg.PoolClient, {
      query: (text: string, values?: unknown[]) => (sent.push(text), query(text, values)),
      release: (err?: Error) => client.release(err),
      on: client.on.bind(client),
      off: client.off.bind(client),
    });
  };
  // pool.query (the store's reads) connects with a callback: those go to the pool unwatched.
  spy.connect = ((callback?: Parameters<pg.Pool['connect']>[0]) =>
    callback ? pool.connect(callback) : wrapped()) as pg.Pool['connect'];
  return { store: createPostgresStore({ pool: spy, schema }), schema, sent };
}

const keyRows = async (schema: string) =>
  (
    await pool.query<{ key: string; ad_id: string; at: string }>(
      `SELECT key, ad_id, at FROM ${q(schema)}.idempotency_keys ORDER BY key`,
    )
  ).rows.map((r) => [r.key, r.ad_id, Number(r.at)]);

describe('postgres group commit', () => {
  it('writes a batch of every kind of entry in two round trips', async () => {
    const { store, schema, sent } = await counted();
    const [a, b, c] = [testAd('a'), testAd('b'), testAd('c')];
    for (const ad of [a, b, c]) await append(store, { type: 'create', at: T0, ad });
    await append(store, {
      type: 'create',
      at: T0,
      ad: testAd('old'),
      idempotency: { key: 'old-key', fingerprint: 'f0' },
    });
    sent.length = 0;

    const later = T0 + IDEMPOTENCY_KEY_TTL_MS + 1;
    const title = `it's a "quote" \\ back\\slash, nul \u0000, lone \ud800, 🦄`;
    const made = await store.commitBatch({ afterSeq: 4, adIds: ['a', 'b', 'c'] }, (ctx) => {
      expect([...ctx.stored.keys()].sort()).toEqual(['a', 'b', 'c']);
      const next = (i: number) => ctx.head + i;
      return [
        { type: 'update', seq: next(1), at: later, ad: testAd('a', { version: 2, title }) },
        { type: 'delete', seq: next(2), at: later, id: 'b' },
        { type: 'expire', seq: next(3), at: later, id: 'c', version: 1 },
        {
          type: 'create',
          seq: next(4),
          at: later,
          ad: testAd("d'1"),
          idempotency: { key: "k'1", fingerprint: 'f1' },
        },
        {
          type: 'create',
          seq: next(5),
          at: later,
          ad: testAd('e'),
          idempotency: { key: 'k2', fingerprint: 'f2' },
        },
      ] satisfies Entry[];
    });

    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatch(/^BEGIN/);
    expect(sent[1]).toMatch(/COMMIT$/);
    expect(made.map((e) => e.seq)).toEqual([5, 6, 7, 8, 9]);
    expect(await store.headSeq()).toBe(9);
    expect(await store.readLog(4, 10)).toEqual(made);
    const logText = await pool.query<{ entry: string }>(
      `SELECT entry::text AS entry FROM ${q(schema)}.log WHERE seq > 4 ORDER BY seq`,
    );
    expect(logText.rows.map((r) => r.entry)).toEqual(made.map((e) => JSON.stringify(e)));
    expect(await store.getAd('a')).toEqual({ ad: testAd('a', { version: 2, title }), expired: false });
    expect(await store.getAd('b')).toBeUndefined();
    expect(await store.getAd('c')).toEqual({ ad: c, expired: true });
    expect((await liveAmong(store, ['a', 'b', 'c', "d'1", 'e', 'old'])).map((ad) => ad.id)).toEqual([
      'a',
      "d'1",
      'e',
      'old',
    ]);
    // The old key is past its time at the batch's entries: pruned by the same statement.
    expect(await keyRows(schema)).toEqual([
      ["k'1", "d'1", later],
      ['k2', 'e', later],
    ]);
  });

  it('writes a batch that changes one ad twice entry by entry, in order, in the same transaction', async () => {
    const { store, sent } = await counted();
    const made = await store.commitBatch({ afterSeq: 0 }, () => [
      { type: 'create', seq: 1, at: T0, ad: testAd('a') },
      { type: 'update', seq: 2, at: T0, ad: testAd('a', { version: 2 }) },
      { type: 'expire', seq: 3, at: T0, id: 'a', version: 2 },
    ]);
    expect(made.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(sent).toEqual([
      expect.stringMatching(/^BEGIN/),
      expect.any(String),
      expect.any(String),
      expect.any(String),
      'COMMIT',
    ]);
    expect(await store.getAd('a')).toEqual({ ad: testAd('a', { version: 2 }), expired: true });
    expect(await store.headSeq()).toBe(3);
  });

  it('writes nothing when the batch statement fails, and the next batch goes through', async () => {
    const { store, schema } = await counted();
    await append(store, { type: 'create', at: T0, ad: testAd('a') });
    // A log row at seq 3 already: the batch's INSERT of seq 3 fails after seq 2 was inserted.
    await pool.query(`INSERT INTO ${q(schema)}.log (seq, entry, at) VALUES (3, '{}', 0)`);
    await expect(
      store.commitBatch({ afterSeq: 1 }, (ctx) => [
        { type: 'create', seq: ctx.head + 1, at: T0, ad: testAd('b') },
        { type: 'create', seq: ctx.head + 2, at: T0, ad: testAd('c') },
      ]),
    ).rejects.toThrow(/duplicate key/);
    expect(await store.headSeq()).toBe(1);
    expect(await store.getAd('b')).toBeUndefined();
    await pool.query(`DELETE FROM ${q(schema)}.log WHERE seq = 3`);
    const made = await store.commitBatch({ afterSeq: 1 }, (ctx) => [
      { type: 'create', seq: ctx.head + 1, at: T0, ad: testAd('b') },
    ]);
    expect(made.map((e) => e.seq)).toEqual([2]);
    expect(await store.headSeq()).toBe(2);
  });

  it('refuses a NUL in a text value before sending it', async () => {
    const { store, sent } = await counted();
    await expect(
      store.commitBatch({ afterSeq: 0 }, () => [
        {
          type: 'create',
          seq: 1,
          at: T0,
          ad: testAd('a'),
          idempotency: { key: 'k\u0000', fingerprint: 'f' },
        },
      ]),
    ).rejects.toThrow(/NUL/);
    expect(sent.some((text) => text.includes('\u0000'))).toBe(false);
    expect(await store.headSeq()).toBe(0);
  });
});
