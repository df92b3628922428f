import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { expectEveryCallUnavailable } from '../../test/support/postgres-down.js';
import { AppError } from '../model/errors.js';
import { migratePostgres } from '../db/postgres-migrate.js';
import { budgetStoreContract } from './budget-store.contract.js';
import { createPostgresBudgetStore } from './postgres-budget-store.js';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const schema = `t_budgets_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 8 });
let migrated: Promise<unknown> | undefined;

budgetStoreContract(
  'postgres',
  async () => {
    await (migrated ??= migratePostgres(pool, { schema }));
    return createPostgresBudgetStore({ pool, schema });
  },
  async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
    await pool.end();
  },
);

describe('postgres budget store errors', () => {
  it('every method answers an outage with 503 store_unavailable', async () => {
    await expectEveryCallUnavailable(DATABASE_URL, (pool) => {
      const store = createPostgresBudgetStore({ pool, schema });
      return [
        store.grant('a', ['life'], [10], 1),
        store.release('a', ['life'], 1),
        store.addServed([{ adId: 'a', period: 'life', n: 1 }]),
        store.read('a', ['life']),
        store.pruneDays(1),
      ];
    });
  });

  it('a bug stays what it is (a 500): a missing table, a TypeError, a bad argument', async () => {
    // Its own pool: the contract's teardown ends the shared one.
    const own = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    const store = createPostgresBudgetStore({ pool: own, schema: `${schema}_none` });
    try {
      const missing = await store.read('a', ['life']).catch((err: unknown) => err);
      expect(missing).toMatchObject({ code: '42P01' });
      expect(missing).not.toBeInstanceOf(AppError);
      await expect(store.addServed(null as never)).rejects.toBeInstanceOf(TypeError);
      await expect(store.grant('a', ['life'], [10], 0.5)).rejects.toThrow(/not an integer/);
    } finally {
      await own.end();
    }
  });
});
