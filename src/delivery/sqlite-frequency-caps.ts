/**
 * Embedded frequency caps: a table of `DATA_DIR/delivery.sqlite` (schema from
 * `migrations/sqlite/delivery/`). One process owns the file and a take runs synchronously, so
 * takes never interleave; a take that recorded something resolves only once the WAL holding it
 * is on disk (flushes shared by the takes waiting together), so caps survive a crash or a
 * restart. Rows past their longest window are deleted a batch at a time as takes go by.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWalSync, openSqlite, type Datasync } from '../db/sqlite-connection.js';
import { migrateSqlite } from '../db/sqlite-migrate.js';
import { takeFrom, type FrequencyCapStore, type ServeTimesTable } from './frequency-caps.js';

export const SQLITE_DELIVERY_MIGRATIONS_DIR = fileURLToPath(
  new URL('../../migrations/sqlite/delivery/', import.meta.url),
);

export const deliveryFilename = (dataDir: string): string => join(dataDir, 'delivery.sqlite');

/** Takes between two sweeps of rows past their window. */
const SWEEP_EVERY = 1000;
const SWEEP_ROWS = 500;

export function createSqliteFrequencyCaps(deps: {
  readonly filename: string;
  readonly datasync?: Datasync;
}): FrequencyCapStore {
  const db = openSqlite(deps.filename, { syncOnCommit: false });
  migrateSqlite(db, SQLITE_DELIVERY_MIGRATIONS_DIR);
  const walSync = createWalSync(deps.filename, deps.datasync);
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
  let writes = 0;
  const table: ServeTimesTable = {
    get: (userKey, adId) => {
      const row = sql.get.get(userKey, adId);
      return row ? row.times.split(',').map(Number) : undefined;
    },
    set: (userKey, adId, times, keepUntil) => {
      writes++;
      sql.put.run(userKey, adId, times.join(','), keepUntil);
    },
  };
  const take = db.transaction(
    (userKey: string, candidates: Parameters<FrequencyCapStore['take']>[1], count: number, now: number) =>
      takeFrom(table, userKey, candidates, count, now),
  );
  let takes = 0;

  return {
    async take(userKey, candidates, count, now) {
      const before = writes;
      const taken = take.immediate(userKey, candidates, count, now);
      if (++takes % SWEEP_EVERY === 0) sql.sweep.run(now, SWEEP_ROWS);
      if (writes !== before) await walSync();
      return taken;
    },
    async close() {
      await walSync.close();
      db.close();
    },
  };
}
