import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, sleep } from './cluster.js';
import { adBody, post, type Server } from './process.js';
import { expectOutage, expectRecovered, expectWriteUnavailable, outagesLogged } from './store-failures.js';

const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Postgres failures an operator meets, each on this file's own database of the shared server
 * (never the server itself): the replica must answer 503 store_unavailable, keep reading, say so
 * once, and write again without a restart once the database is back.
 */
describe('Postgres failures, one replica on a database of its own', () => {
  const cluster = new Cluster(10, { POLL_INTERVAL_MS: '500' });
  let server: Server;
  let admin: pg.Client;
  let known: string;

  const db = () => pg.escapeIdentifier(cluster.database);
  const terminateSessions = () =>
    admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [cluster.database],
    );
  /** A session of the test's own holding `sql`'s locks in an open transaction, until `release()`. */
  const holding = async (sql: string) => {
    const holder = new pg.Client({ connectionString: cluster.databaseUrl });
    holder.on('error', () => undefined);
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query(sql);
    return {
      release: async () => {
        await holder.query('COMMIT');
        await holder.end();
      },
    };
  };

  beforeAll(async () => {
    await cluster.setup();
    admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    server = await cluster.start({ readyTimeoutMs: 60_000 });
    const res = await post(server.url, adBody(0, { title: 'before every outage' }));
    expect(res.status).toBe(201);
    known = ((await res.json()) as { id: string }).id;
  }, 120_000);
  afterAll(async () => {
    await admin?.query(`ALTER DATABASE ${db()} ALLOW_CONNECTIONS true`).catch(() => undefined);
    await admin?.end();
    await cluster.teardown();
  });

  it('a database not accepting connections (maintenance, a move): 55000', async () => {
    const before = outagesLogged(server);
    await admin.query(`ALTER DATABASE ${db()} ALLOW_CONNECTIONS false`);
    await terminateSessions();
    try {
      await expectOutage(server, known, 'not accepting connections');
    } finally {
      await admin.query(`ALTER DATABASE ${db()} ALLOW_CONNECTIONS true`);
    }
    await expectRecovered(server, 'not accepting connections');
    expect(outagesLogged(server)).toBe(before + 1);
  });

  it('a read-only server after a failover: 25006', async () => {
    const before = outagesLogged(server);
    await admin.query(`ALTER DATABASE ${db()} SET default_transaction_read_only = on`);
    await terminateSessions();
    try {
      await expectOutage(server, known, 'read-only');
    } finally {
      await admin.query(`ALTER DATABASE ${db()} RESET default_transaction_read_only`);
    }
    // Connections that met the read-only server are dropped, so writes find the writable one.
    await expectRecovered(server, 'read-only');
    expect(outagesLogged(server)).toBe(before + 1);
  });

  it.each([['statement_timeout'], ['lock_timeout']])(
    'a %s while the write lock is held elsewhere',
    async (setting) => {
      const before = outagesLogged(server);
      await admin.query(`ALTER DATABASE ${db()} SET ${setting} = '300ms'`);
      await terminateSessions();
      const lock = await holding('SELECT 1 FROM log_head FOR UPDATE');
      try {
        // Only ad writes wait on that lock: events, keyed ones too, are stored as usual.
        await expectOutage(server, known, setting, { keyedEvents: 202 });
        await expectWriteUnavailable(server, `${setting} again`);
      } finally {
        await lock.release();
        await admin.query(`ALTER DATABASE ${db()} RESET ${setting}`);
      }
      await expectRecovered(server, setting);
      // Reads went on working between the failed writes: still one outage, logged once.
      expect(outagesLogged(server)).toBe(before + 1);
    },
  );

  it('pool exhaustion: every connection busy past the connect timeout', async () => {
    const before = outagesLogged(server);
    const lock = await holding('LOCK TABLE ads IN ACCESS EXCLUSIVE MODE');
    // Lookups of unknown ids go to the store and wait on the lock, each holding a connection.
    const stuck = Array.from({ length: 12 }, () => fetch(`${server.url}/api/v1/ad/${randomUUID()}`));
    try {
      // Eight of them take the pool's connections; the other four wait past the connect timeout.
      const first: number[] = [];
      for (const p of stuck) void p.then((res) => first.push(res.status));
      const deadline = Date.now() + 15_000;
      while (first.length < 4 && Date.now() < deadline) await sleep(100);
      expect(first).toEqual([503, 503, 503, 503]);
      await expectOutage(server, known, 'pool exhaustion');
    } finally {
      await lock.release();
    }
    // The lookups that held connections finish (unknown ids: 404), and writes work again.
    const held = await Promise.all(stuck.map(async (p) => (await p).status));
    expect(held.filter((s) => s !== 404 && s !== 503)).toEqual([]);
    await expectRecovered(server, 'pool exhaustion');
    expect(outagesLogged(server)).toBe(before + 1);
  });

  it('a bad query is still a 500, not an outage', async () => {
    // A column the store reads, renamed under it: every read of expired ads fails as a bug would.
    const c = new pg.Client({ connectionString: cluster.databaseUrl });
    await c.connect();
    try {
      await c.query('ALTER TABLE ads RENAME COLUMN expired TO expired_renamed');
      const res = await fetch(`${server.url}/api/v1/admin/ads?status=expired`);
      expect(res.status, await res.clone().text()).toBe(500);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('internal');
      expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({ status: 'ready' });
    } finally {
      await c.query('ALTER TABLE ads RENAME COLUMN expired_renamed TO expired');
      await c.end();
    }
  });
});
