import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from 'better-sqlite3';

/** `migrations/sqlite/`, found the same way from `src/db/` (tsx) and `dist/db/` (build). */
export const SQLITE_MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/sqlite/', import.meta.url));

/**
 * Applies the `.sql` files of `dir` not yet recorded in `schema_migrations`, in name order, each
 * in its own IMMEDIATE transaction together with its record, so concurrent starters apply each
 * file once. Returns the names applied by this call.
 */
export function migrateSqlite(db: Database, dir: string = SQLITE_MIGRATIONS_DIR): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    name TEXT PRIMARY KEY,
    applied_at INTEGER NOT NULL
  ) STRICT`);
  const isApplied = db.prepare<[string], { name: string }>(
    'SELECT name FROM schema_migrations WHERE name = ?',
  );
  const record = db.prepare<[string, number]>(
    'INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)',
  );

  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort();
  const applied: string[] = [];
  for (const name of files) {
    const sql = readFileSync(join(dir, name), 'utf8');
    const apply = db.transaction(() => {
      if (isApplied.get(name)) return;
      db.exec(sql);
      record.run(name, Date.now());
      applied.push(name);
    });
    apply.immediate();
  }
  return applied;
}
