/**
 * The one place a SQLite connection of the embedded store is opened and configured: WAL journal,
 * `synchronous=FULL` (an acknowledged write survives power loss, not only a process crash), a
 * busy timeout for other connections on the same file, and optionally an exclusive lock.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

export interface SqliteOpenOptions {
  /** Hold the file's lock for the connection's lifetime, so a second process cannot open it. */
  readonly exclusive?: boolean;
}

export function openSqlite(filename: string, opts: SqliteOpenOptions = {}): BetterSqlite3.Database {
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
  const db = new BetterSqlite3(filename);
  if (opts.exclusive) takeExclusiveLock(db, filename);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  return db;
}

/**
 * One process owns an embedded data directory: its in-process log cannot tell another process
 * about writes. EXCLUSIVE locking mode keeps the lock taken by the first write until close.
 */
function takeExclusiveLock(db: BetterSqlite3.Database, filename: string): void {
  try {
    db.pragma('busy_timeout = 200');
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.exec('BEGIN IMMEDIATE; COMMIT');
  } catch (err) {
    db.close();
    throw new Error(`${filename} is in use by another adsm process (one process per DATA_DIR)`, {
      cause: err,
    });
  }
}
