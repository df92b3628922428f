/**
 * The spool as a SQLite file (`SPOOL_DIR/spool-<n>.sqlite`, one per worker process), WAL with
 * `synchronous=FULL`: a commit returns once the WAL is synced. `entries.seq` is AUTOINCREMENT so
 * a position is never reused, even after every row was released. The file is held with
 * EXCLUSIVE locking: a second process cannot use the same spool.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { EventRecord } from './deltas.js';
import type { Spool, SpoolEntry } from './spool.js';

export const spoolFilename = (dir: string, index: number): string => join(dir, `spool-${index}.sqlite`);

/** Spool files a directory may hold: one per process sharing it. */
const MAX_SLOTS = 64;

/**
 * Opens the first spool file of `dir` that no other process holds, from `spool-<first>` on:
 * replicas and workers sharing one directory each take their own, and a restarted process takes
 * over (and replays) a file its predecessor left.
 */
export function openSpoolIn(dir: string, first = 0): Spool {
  let lastError: unknown;
  for (let i = 0; i < MAX_SLOTS; i++) {
    try {
      return createSqliteSpool({ filename: spoolFilename(dir, (first + i) % MAX_SLOTS) });
    } catch (err) {
      lastError = err;
    }
  }
  throw new Error(`every spool file in ${dir} is held by another process`, { cause: lastError });
}

export function createSqliteSpool(deps: { readonly filename: string }): Spool {
  const { filename } = deps;
  mkdirSync(dirname(filename), { recursive: true });
  const db = new BetterSqlite3(filename);
  try {
    db.pragma('busy_timeout = 200');
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(`CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
      CREATE TABLE IF NOT EXISTS entries (seq INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT NOT NULL) STRICT;`);
    db.prepare("INSERT INTO meta (name, value) VALUES ('id', ?) ON CONFLICT DO NOTHING").run(randomUUID());
  } catch (err) {
    db.close();
    throw new Error(`${filename} cannot be opened (is another adsm process using this SPOOL_DIR?)`, {
      cause: err,
    });
  }
  const id = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE name = 'id'").get()!.value;

  const insert = db.prepare<[string]>('INSERT INTO entries (data) VALUES (?)');
  const after = db.prepare<[number], { seq: number; data: string }>(
    'SELECT seq, data FROM entries WHERE seq > ? ORDER BY seq',
  );
  const remove = db.prepare<[number]>('DELETE FROM entries WHERE seq <= ?');
  const appendTx = db.transaction((groups: readonly (readonly EventRecord[])[]) =>
    groups.map((records): SpoolEntry => {
      const data = JSON.stringify(records);
      const seq = Number(insert.run(data).lastInsertRowid);
      return { seq, records, bytes: data.length };
    }),
  );

  return {
    id,
    append: (groups) => appendTx.immediate(groups),
    entriesAfter: (seq) =>
      after
        .all(seq)
        .map((r) => ({ seq: r.seq, records: JSON.parse(r.data) as EventRecord[], bytes: r.data.length })),
    release: (seq) => void remove.run(seq),
    close: () => {
      if (db.open) db.close();
    },
  };
}
