import { randomUUID } from 'node:crypto';
import pg from 'pg';
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
