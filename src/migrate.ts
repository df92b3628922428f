/**
 * `npm run migrate`: applies the Postgres migrations to DATABASE_URL (into the connection's
 * current schema, as the server uses it) and prints what it applied. Safe to run while replicas
 * start: migrations take an advisory lock and each file is applied once.
 */
import pg from 'pg';
import { migratePostgres } from './db/postgres-migrate.js';

async function main(): Promise<number> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('migrate: DATABASE_URL is not set (e.g. postgres://user@host:5432/db)');
    return 2;
  }
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    const applied = await migratePostgres(pool);
    console.log(applied.length === 0 ? 'migrate: up to date' : `migrate: applied ${applied.join(', ')}`);
    return 0;
  } catch (err) {
    console.error('migrate: failed:', err instanceof Error ? err.message : err);
    return 1;
  } finally {
    await pool.end();
  }
}

process.exitCode = await main();
