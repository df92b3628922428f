import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll } from 'vitest';
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
