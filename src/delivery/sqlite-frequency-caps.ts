/**
 * Embedded frequency caps: a table of `DATA_DIR/delivery.sqlite` (schema from
 * `migrations/sqlite/delivery/`). One process owns the file and a take runs synchronously, so
 * takes never interleave. Group commit: the takes of one event-loop turn share one transaction
 * (each in a savepoint of its own), committed before the next turn; each resolves only once it
 * is committed, so no decision is answered with a serve that is not written. A failed commit
 * rejects every take of its turn (nothing of them is kept, no capped ad is chosen by them).
 * Commits go to the WAL without a disk flush (`synchronous=NORMAL`):
 * what a take recorded survives `kill -9` and a restart (the operating system holds it); an OS
 * crash or power loss can forget the last moments' serves, which could then be served again.
 * Waiting for a flush per decision would cost a disk flush's latency on every capped decision.
 * Rows past their longest window are deleted a batch at a time as takes go by.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqlite } from '../db/sqlite-connection.js';
import { migrateSqlite } from '../db/sqlite-migrate.js';
import { takeFrom, type FrequencyCapStore, type ServeTimesTable } from './frequency-caps.js';

export const SQLITE_DELIVERY_MIGRATIONS_DIR = fileURLToPath(
  new URL('../../migrations/sqlite/delivery/', import.meta.url),
);

export const deliveryFilename = (dataDir: string): string => join(dataDir, 'delivery.sqlite');

/** Takes between two sweeps of rows past their window. */
const SWEEP_EVERY = 1000;
const SWEEP_ROWS = 500;

export function createSqliteFrequencyCaps(deps: { readonly filename: string }): FrequencyCapStore {
  const db = openSqlite(deps.filename, { syncOnCommit: false });
  migrateSqlite(db, SQLITE_DELIVERY_MIGRATIONS_DIR);
  const sql = {
    get: db.prepare<[string, string], { times: string }>(
      'SELECT times FROM frequency_caps WHERE user_key = ? AND ad_id = ?',
    ),
    put: db.prepare<[string, string, string, number]>(
      `INSERT INTO frequency_caps (user_key, ad_id, times, keep_until) VALUES (?, ?, ?, ?)
       ON CONFLICT (user_key, ad_id) DO UPDATE SET times = excluded.times, keep_until = excluded.keep_until`,
    ),
    sweep: db.prepare<[number, number]>(
      `DELETE FROM frequency_caps WHERE (user_key, ad_id) IN (
         SELECT user_key, ad_id FROM frequency_caps WHERE keep_until < ? LIMIT ?)`,
    ),
  };
  const table: ServeTimesTable = {
    get: (userKey, adId) => {
      const row = sql.get.get(userKey, adId);
      return row ? row.times.split(',').map(Number) : undefined;
    },
    set: (userKey, adId, times, keepUntil) => {
      sql.put.run(userKey, adId, times.join(','), keepUntil);
    },
  };
  const take = db.transaction(
    (userKey: string, candidates: Parameters<FrequencyCapStore['take']>[1], count: number, now: number) =>
      takeFrom(table, userKey, candidates, count, now),
  );
  let takes = 0;
  /** The takes of this turn, waiting for its commit. */
  let turn: { taken: number[]; resolve(t: number[]): void; reject(e: unknown): void }[] = [];

  const commit = (): void => {
    // Committed already by close().
    if (!db.open || !db.inTransaction) return;
    const done = turn;
    turn = [];
    try {
      db.exec('COMMIT');
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      for (const t of done) t.reject(err);
      return;
    }
    for (const t of done) t.resolve(t.taken);
  };

  return {
    take(userKey, candidates, count, now) {
      try {
        if (!db.inTransaction) {
          db.exec('BEGIN IMMEDIATE');
          setImmediate(commit);
        }
        // Within the turn's transaction: a savepoint, undone alone if it fails.
        const taken = take(userKey, candidates, count, now);
        if (++takes % SWEEP_EVERY === 0) sql.sweep.run(now, SWEEP_ROWS);
        return new Promise<number[]>((resolve, reject) => turn.push({ taken, resolve, reject }));
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    },
    close() {
      if (db.open && db.inTransaction) commit();
      if (db.open) db.close();
      return Promise.resolve();
    },
  };
}
