import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { expectEveryCallUnavailable } from '../../test/support/postgres-down.js';
import { AppError } from '../model/errors.js';
import { migratePostgres } from '../db/postgres-migrate.js';
import { createPostgresTrackingStore } from './postgres-tracking-store.js';
import { firesContract } from './fires.contract.js';
import { trackingStoreContract } from './tracking-store.contract.js';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const schema = `t_tracking_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 8 });

afterAll(async () => {
  await pool.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  await pool.end();
});

trackingStoreContract('postgres', async () => {
  await migratePostgres(pool, { schema });
  return { store: createPostgresTrackingStore({ pool, schema }), done: () => Promise.resolve() };
});

firesContract('postgres', async () => {
  await migratePostgres(pool, { schema });
  return { store: createPostgresTrackingStore({ pool, schema }), done: () => Promise.resolve() };
});

describe('postgres tracking store errors', () => {
  const empty = { minutes: [], hours: [], last: [] };

  it('every method answers an outage with 503 store_unavailable', async () => {
    await expectEveryCallUnavailable(DATABASE_URL, (pool) => {
      const store = createPostgresTrackingStore({ pool, schema });
      return [
        store.watermark('r'),
        store.flush({ replicaId: 'r', watermark: 1, ...empty }),
        store.recordKeyed({ key: 'k', fingerprint: 'f', answer: '{}', at: 0, ...empty }),
        store.read('a', 'r', 0, 0),
        store.hours('a', 'r', 0, 1),
        store.prune({ minutesBefore: 0, hoursBefore: 0, keysBefore: 0, firesBefore: 0 }),
      ];
    });
  });

  it('a bug stays what it is (a 500): a missing table, a TypeError met inside a transaction', async () => {
    await migratePostgres(pool, { schema });
    const missing = await createPostgresTrackingStore({ pool, schema: `${schema}_none` })
      .watermark('r')
      .catch((err: unknown) => err);
    expect(missing).toMatchObject({ code: '42P01' });
    expect(missing).not.toBeInstanceOf(AppError);
    // Rows are made while the store reads them: a bug there surfaces inside the transaction.
    const minutes = {
      [Symbol.iterator](): never {
        throw new TypeError('Connection terminated: a bug whose message reads like an outage');
      },
    };
    const store = createPostgresTrackingStore({ pool, schema });
    const bug = await store
      .flush({ replicaId: 'r-bug', watermark: 1, ...empty, minutes })
      .catch((err: unknown) => err);
    expect(bug).toBeInstanceOf(TypeError);
    expect(await store.watermark('r-bug')).toBe(0);
  });
});
