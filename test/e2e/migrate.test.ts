import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './process.js';

/** `npm run migrate` as the README shows it: from the sources, no build needed. */

const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const database = `adsm_migrate_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const url = (() => {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${database}`;
  return u.toString();
})();

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  await client.query(sql);
  await client.end();
}

const migrate = (env: Record<string, string>) =>
  promisify(execFile)('npm', ['run', '--silent', 'migrate'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
  );

describe('npm run migrate', () => {
  beforeAll(() => admin(`CREATE DATABASE ${database}`));
  afterAll(() => admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));

  it('applies the migrations to a fresh database, then finds it up to date', async () => {
    const first = await migrate({ DATABASE_URL: url });
    expect(first.code, first.out).toBe(0);
    expect(first.out).toMatch(/migrate: applied 0001_init/);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN ('ads', 'log', 'log_head')",
    );
    await client.end();
    expect(rows[0]!.n).toBe(3);
    const again = await migrate({ DATABASE_URL: url });
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain('migrate: up to date');
  });

  it('says what is missing without DATABASE_URL, with a non-zero status', async () => {
    const res = await migrate({ DATABASE_URL: '' });
    expect(res.code).toBe(2);
    expect(res.out).toContain('DATABASE_URL is not set');
  });
});
