import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateEntry, Entry, EntryDraft } from '../statemachine/entries.js';
import { migratePostgres } from '../db/postgres-migrate.js';
import { createPostgresStore } from './postgres-store.js';
import {
  append,
  checkKeyPruning,
  commitOne,
  liveAmong,
  storeContract,
  testAd,
  type CommitContext,
} from './store.contract.js';
import type { Store } from './store.js';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** Every schema this file creates starts with it; all are dropped in afterAll. */
const PREFIX = `adsm_test_${randomBytes(6).toString('hex')}`;
const q = pg.escapeIdentifier;

const pools: pg.Pool[] = [];
const newPool = (max = 10): pg.Pool => {
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max });
  pools.push(pool);
  return pool;
};
let pool: pg.Pool;
let schemas = 0;
const schemaName = (): string => `${PREFIX}_${++schemas}`;

async function freshSchema(): Promise<string> {
  const schema = schemaName();
  await migratePostgres(pool, { schema });
  return schema;
}

beforeAll(() => {
  pool = newPool();
});

afterAll(async () => {
  const { rows } = await pool.query<{ name: string }>(
    'SELECT nspname AS name FROM pg_namespace WHERE starts_with(nspname, $1)',
    [PREFIX],
  );
  for (const { name } of rows) await pool.query(`DROP SCHEMA ${q(name)} CASCADE`);
  await Promise.all(pools.map((p) => p.end()));
});

storeContract('postgres', async () => {
  const schema = await freshSchema();
  const store = createPostgresStore({ pool, schema });
  return {
    store,
    // A new pool, as a restarted replica would have.
    reopen: () => Promise.resolve(createPostgresStore({ pool: newPool(2), schema })),
    snapshotSeqs: async () =>
      (await pool.query<{ seq: string }>(`SELECT seq FROM ${q(schema)}.snapshots ORDER BY seq`)).rows.map(
        (r) => Number(r.seq),
      ),
    cleanup: async () => {
      await store.close();
      await pool.query(`DROP SCHEMA IF EXISTS ${q(schema)} CASCADE`);
    },
  };
});

const T0 = Date.UTC(2030, 0, 1);
const create = (id: string, seq: number): CreateEntry => ({
  type: 'create',
  seq,
  at: T0 + seq,
  ad: testAd(id),
});
const seqs = (entries: readonly Entry[]): number[] => entries.map((e) => e.seq);
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function scalar<T>(text: string, values: unknown[] = []): Promise<T> {
  const { rows } = await pool.query<{ v: T }>(text, values);
  return rows[0]!.v;
}

const headRow = (schema: string): Promise<string> =>
  scalar(`SELECT seq::text AS v FROM ${q(schema)}.log_head`);

/** Waits until `n` sessions are blocked on a lock while running a statement that names `schema`. */
async function lockWaiters(schema: string, n: number): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const waiting = await scalar<number>(
      `SELECT count(*)::int AS v FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND position($1 in query) > 0`,
      [schema],
    );
    if (waiting >= n) return;
    if (Date.now() > deadline) throw new Error(`only ${waiting} of ${n} writers are waiting`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Holds the log_head row lock in its own transaction until the returned function ends it. */
async function holdHead(
  schema: string,
): Promise<(finish: (c: pg.PoolClient) => Promise<unknown>) => Promise<void>> {
  const client = await pool.connect();
  await client.query('BEGIN');
  await client.query(`SELECT seq FROM ${q(schema)}.log_head WHERE id = 1 FOR UPDATE`);
  return async (finish) => {
    try {
      await finish(client);
    } finally {
      client.release();
    }
  };
}

describe('postgres migrations', () => {
  it('apply once, also when three replicas start together on a fresh schema', async () => {
    const schema = schemaName();
    const results = await Promise.all(
      [newPool(1), newPool(1), newPool(1)].map((p) => migratePostgres(p, { schema })),
    );
    const files = readdirSync(new URL('../../migrations/', import.meta.url))
      .filter((f) => f.endsWith('.sql'))
      .sort();
    expect(files[0]).toBe('0001_init.sql');
    expect(results.sort((a, b) => b.length - a.length)).toEqual([files, [], []]);
    expect(await migratePostgres(pool, { schema })).toEqual([]);

    const tables = await pool.query<{ name: string }>(
      'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
      [schema],
    );
    expect(tables.rows.map((r) => r.name)).toEqual([
      'ads',
      'delivery_budgets',
      'idempotency_keys',
      'log',
      'log_head',
      'schema_migrations',
      'snapshot_parts',
      'snapshots',
      'tracking_fired',
      'tracking_hours',
      'tracking_keys',
      'tracking_last',
      'tracking_minutes',
      'tracking_secret',
      'tracking_watermarks',
    ]);
    expect(await scalar(`SELECT count(*)::int AS v FROM ${q(schema)}.schema_migrations`)).toBe(files.length);
    expect(await scalar(`SELECT count(*)::int AS v FROM ${q(schema)}.log_head`)).toBe(1);
    expect(await headRow(schema)).toBe('0');
  });

  it('apply nothing when a file fails, and leave the borrowed client as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'adsm-migrations-'));
    try {
      writeFileSync(join(dir, '0001_ok.sql'), 'CREATE TABLE t (x int);');
      writeFileSync(join(dir, '0002_bad.sql'), 'CREATE TABLE broken (;');
      writeFileSync(join(dir, 'README.md'), 'not a migration');
      const single = newPool(1);
      const before = await single.query<{ search_path: string }>('SHOW search_path');
      const schema = schemaName();
      await expect(migratePostgres(single, { schema, dir })).rejects.toThrow(/syntax error/);
      expect(await scalar('SELECT count(*)::int AS v FROM pg_namespace WHERE nspname = $1', [schema])).toBe(
        0,
      );

      rmSync(join(dir, '0002_bad.sql'));
      expect(await migratePostgres(single, { schema, dir })).toEqual(['0001_ok.sql']);
      expect((await single.query('SHOW search_path')).rows).toEqual(before.rows);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('postgres store', () => {
  it('serialises commits from three replicas; each prepare sees the tail it missed', async () => {
    const schema = await freshSchema();
    const replicas = [1, 2, 3].map(() => createPostgresStore({ pool: newPool(1), schema }));
    const release = await holdHead(schema);

    const seen: CommitContext[] = [];
    const commits = replicas.map((store, i) =>
      commitOne(store, { afterSeq: 0, adId: `r${i}` }, (ctx) => {
        seen.push(ctx);
        return create(`r${i}`, ctx.head + 1);
      }),
    );
    await lockWaiters(schema, 3);
    await release((c) => c.query('ROLLBACK'));

    const entries = await Promise.all(commits);
    expect(seqs(entries.map((e) => e!)).sort()).toEqual([1, 2, 3]);
    expect(seen.map((c) => c.head)).toEqual([0, 1, 2]);
    for (const ctx of seen) expect(seqs(ctx.tail)).toEqual(range(1, ctx.head));
    expect(seqs(await replicas[0]!.readLog(0, 10))).toEqual([1, 2, 3]);
    expect(await liveAmong(replicas[2]!, ['r0', 'r1', 'r2'])).toHaveLength(3);
  });

  it('shows a waiting writer the entry committed while it waited', async () => {
    const schema = await freshSchema();
    const store = createPostgresStore({ pool: newPool(1), schema });
    const release = await holdHead(schema);
    const other = create('other', 1);

    const seen: CommitContext[] = [];
    const commit = commitOne(store, { afterSeq: 0, adId: 'other' }, (ctx) => void seen.push(ctx));
    await lockWaiters(schema, 1);
    await release(async (c) => {
      await c.query(`INSERT INTO ${q(schema)}.log (seq, entry, at) VALUES (1, $1, $2)`, [
        JSON.stringify(other),
        other.at,
      ]);
      await c.query(`INSERT INTO ${q(schema)}.ads (id, data, end_at, version) VALUES ('other', $1, 0, 1)`, [
        JSON.stringify(other.ad),
      ]);
      await c.query(`UPDATE ${q(schema)}.log_head SET seq = 1`);
      await c.query('COMMIT');
    });

    expect(await commit).toBeUndefined();
    expect(seen).toEqual([{ head: 1, tail: [other], stored: other.ad, now: expect.any(Number) as number }]);
  });

  it('leaves log_head and the pool intact when prepare or the write fails', async () => {
    const schema = await freshSchema();
    const single = newPool(1);
    const store = createPostgresStore({ pool: single, schema });
    await append(store, { type: 'create', at: T0, ad: testAd('a') });

    const boom = new Error('boom');
    for (let i = 0; i < 3; i++) {
      await expect(
        commitOne(store, { afterSeq: 1 }, () => {
          throw boom;
        }),
      ).rejects.toBe(boom);
    }
    // Postgres refuses NUL in text columns: the statement fails after the lock was taken.
    const bad: EntryDraft = {
      type: 'create',
      at: T0,
      ad: testAd('a'),
      idempotency: { key: 'k\u0000', fingerprint: 'f' },
    };
    await expect(append(store, bad, 1)).rejects.toThrow();

    expect(await headRow(schema)).toBe('1');
    expect(await scalar(`SELECT count(*)::int AS v FROM ${q(schema)}.log`)).toBe(1);
    expect(await scalar(`SELECT count(*)::int AS v FROM ${q(schema)}.idempotency_keys`)).toBe(0);
    expect((await append(store, { type: 'delete', at: T0, id: 'a' }, 1))?.seq).toBe(2);
    expect(single.totalCount).toBe(1);
    expect(single.idleCount).toBe(1);
  });

  it('round-trips large seqs as numbers and JSON text exactly', async () => {
    const schema = await freshSchema();
    const store = createPostgresStore({ pool, schema });
    const max = Number.MAX_SAFE_INTEGER;
    await pool.query(`UPDATE ${q(schema)}.log_head SET seq = $1`, [String(max - 1)]);
    expect(await store.headSeq()).toBe(max - 1);

    const ad = testAd('a', {
      title: 'nul \u0000 lone \ud800 emoji 🦄 quote " backslash \\ newline \n tab \t',
      startAt: 0,
      endAt: 8_640_000_000_000_000,
      conditions: [{ platform: ['web', 'ios'] }, { country: ['TW'], ageStart: 0, ageEnd: 150 }],
    });
    const entry: Entry = {
      type: 'create',
      seq: max,
      at: max,
      ad,
      idempotency: { key: 'k', fingerprint: 'f' },
    };
    expect(await commitOne(store, { afterSeq: max - 1, adId: 'a' }, () => entry)).toBe(entry);

    expect(await store.headSeq()).toBe(max);
    expect(await store.readLog(max - 1, 10)).toEqual([entry]);
    expect(await store.getAd('a')).toEqual({ ad, expired: false });
    expect(await liveAmong(store, ['a'])).toEqual([ad]);
    expect(await scalar(`SELECT entry::text AS v FROM ${q(schema)}.log`)).toBe(JSON.stringify(entry));
    expect(await scalar(`SELECT data::text AS v FROM ${q(schema)}.ads`)).toBe(JSON.stringify(ad));

    let tail: readonly Entry[] = [];
    await commitOne(store, { afterSeq: max - 1 }, (ctx) => void (tail = ctx.tail));
    expect(tail).toEqual([entry]);

    await store.saveSnapshot({ seq: max, data: 'state' }, 1);
    expect(await store.latestSnapshot()).toEqual({ seq: max, data: 'state' });
  });

  it('keeps schemas apart and leaves the borrowed pool open', async () => {
    const [one, two] = [await freshSchema(), await freshSchema()];
    const a: Store = createPostgresStore({ pool, schema: one });
    const b: Store = createPostgresStore({ pool, schema: two });
    await append(a, { type: 'create', at: T0, ad: testAd('a') });
    expect(await b.headSeq()).toBe(0);
    expect(await b.getAd('a')).toBeUndefined();
    await a.close();
    await b.close();
    expect(await scalar('SELECT 1 AS v')).toBe(1);
  });

  it('prunes idempotency keys past their time', async () => {
    const schema = await freshSchema();
    const store = createPostgresStore({ pool, schema });
    await checkKeyPruning(store, async () => {
      const { rows } = await pool.query<{ key: string }>(`SELECT key FROM ${q(schema)}.idempotency_keys`);
      return rows.map((r) => r.key);
    });
  });
});
