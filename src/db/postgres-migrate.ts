import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { inTransaction } from './postgres-tx.js';

/** `migrations/`, found the same way from `src/db/` (tsx) and `dist/db/` (build). */
export const POSTGRES_MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

export interface MigratePostgresOptions {
  /** Schema to migrate (created if missing); the connection's current schema when absent. */
  readonly schema?: string | undefined;
  /** Directory of `NNNN_name.sql` files; `migrations/` when absent. */
  readonly dir?: string | undefined;
}

/** Arbitrary constant that namespaces this module's advisory locks. */
const LOCK_NAMESPACE = 'adsm:migrate:';

/**
 * Applies the `.sql` files directly in the migrations directory that are not yet recorded in
 * `schema_migrations`, in name order, all in one transaction together with their records. The
 * transaction first takes an advisory lock named after the schema, so replicas starting together
 * wait for each other and every file is applied exactly once. On any failure nothing is applied.
 * Returns the names applied by this call.
 */
export async function migratePostgres(
  pool: pg.Pool,
  options: MigratePostgresOptions = {},
): Promise<string[]> {
  const dir = options.dir ?? POSTGRES_MIGRATIONS_DIR;
  const files = readdirSync(dir, { withFileTypes: true })
    .filter((f) => f.isFile() && f.name.endsWith('.sql'))
    .map((f) => f.name)
    .sort();

  return inTransaction(pool, async (client) => {
    const { schema } = options;
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
      LOCK_NAMESPACE + (schema ?? ''),
    ]);
    if (schema !== undefined) {
      const quoted = pg.escapeIdentifier(schema);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
      // SET LOCAL ends with the transaction: the borrowed client goes back to the pool unchanged.
      await client.query(`SET LOCAL search_path TO ${quoted}`);
    }
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name       text        PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = await client.query<{ name: string }>('SELECT name FROM schema_migrations');
    const already = new Set(done.rows.map((r) => r.name));
    const applied: string[] = [];
    for (const name of files) {
      if (already.has(name)) continue;
      // No parameters: the simple query protocol runs every statement of the file.
      await client.query(readFileSync(join(dir, name), 'utf8'));
      await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
      applied.push(name);
    }
    return applied;
  });
}
