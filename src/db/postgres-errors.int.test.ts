import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConnectionError, watchConnects } from './postgres-errors.js';

const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** This file's own database (it stops accepting connections in one test). */
const database = `errors_${randomBytes(4).toString('hex')}`;
const urlOf = (name: string, port?: number) => {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  if (port !== undefined) u.port = String(port);
  return u.toString();
};
const admin = new pg.Client({ connectionString: ADMIN_URL });
const pools: pg.Pool[] = [];
const poolOf = (url: string, opts: pg.PoolConfig = {}, watch = true) => {
  const pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 2_000, ...opts });
  pool.on('error', () => undefined);
  pools.push(pool);
  return watch ? watchConnects(pool) : pool;
};
/** What the failing call rejected with. */
const failure = async (call: () => Promise<unknown>): Promise<unknown> => {
  try {
    await call();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
};

beforeAll(async () => {
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
});

describe('Postgres errors as a real server raises them', () => {
  it('a bad query and a missing table are bugs', async () => {
    const pool = poolOf(urlOf(database));
    const syntax = await failure(() => pool.query('SELEC 1'));
    expect(syntax).toMatchObject({ code: '42601' });
    expect(isConnectionError(syntax)).toBe(false);
    const missing = await failure(() => pool.query('SELECT * FROM nowhere'));
    expect(missing).toMatchObject({ code: '42P01' });
    expect(isConnectionError(missing)).toBe(false);
  });

  it('a statement timeout, a lock timeout and a read-only transaction are outages', async () => {
    const pool = poolOf(urlOf(database), { max: 3 });
    await pool.query('CREATE TABLE IF NOT EXISTS t (id int)');
    const slow = await failure(() => pool.query("SET statement_timeout = '50ms'; SELECT pg_sleep(2)"));
    expect(slow).toMatchObject({ code: '57014' });
    expect(isConnectionError(slow)).toBe(true);

    const holder = await pool.connect();
    await holder.query('BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE');
    const locked = await failure(() => pool.query("SET lock_timeout = '50ms'; LOCK TABLE t"));
    expect(locked).toMatchObject({ code: '55P03' });
    expect(isConnectionError(locked)).toBe(true);
    await holder.query('COMMIT');
    holder.release();

    const readOnly = await failure(() => pool.query('BEGIN READ ONLY; INSERT INTO t VALUES (1)'));
    expect(readOnly).toMatchObject({ code: '25006' });
    expect(isConnectionError(readOnly)).toBe(true);
  });

  it('a terminated session is an outage', async () => {
    const pool = poolOf(urlOf(database));
    const client = await pool.connect();
    client.on('error', () => undefined);
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    const err = await failure(() => client.query('SELECT 1'));
    expect(isConnectionError(err)).toBe(true);
    client.release(err as Error);
  });

  it('no free connection within the connect timeout is an outage', async () => {
    const pool = poolOf(urlOf(database), { max: 1, connectionTimeoutMillis: 200 });
    const busy = await pool.connect();
    const err = await failure(() => pool.query('SELECT 1'));
    expect(err).toMatchObject({ message: expect.stringMatching(/timeout/) as unknown });
    expect(isConnectionError(err)).toBe(true);
    busy.release();
  });

  it('a refused connection (nothing listening) is an outage', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const err = await failure(() => poolOf(urlOf(database, port)).query('SELECT 1'));
    expect(JSON.stringify(err, Object.getOwnPropertyNames(err)) + String(err)).toMatch(/ECONNREFUSED/);
    expect(isConnectionError(err)).toBe(true);
  });

  it('a database not accepting connections is an outage', async () => {
    await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
    try {
      const err = await failure(() => poolOf(urlOf(database)).query('SELECT 1'));
      expect(err).toMatchObject({ code: '55000' });
      expect(isConnectionError(err)).toBe(true);
    } finally {
      await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
    }
  });

  it('any failure to get a connection is an outage on a watched pool only: a database gone', async () => {
    const gone = urlOf(`${database}_gone`);
    const watched = await failure(() => poolOf(gone).query('SELECT 1'));
    expect(watched).toMatchObject({ code: '3D000' });
    expect(isConnectionError(watched)).toBe(true);
    const unwatched = await failure(() => poolOf(gone, {}, false).query('SELECT 1'));
    expect(unwatched).toMatchObject({ code: '3D000' });
    expect(isConnectionError(unwatched)).toBe(false);
    // The promise form of connect() is watched too.
    const connected = await failure(() => poolOf(gone).connect());
    expect(isConnectionError(connected)).toBe(true);
  });
});
