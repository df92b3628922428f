/**
 * The embedded Store: one SQLite file (better-sqlite3, WAL) holding the ads table, the log table
 * (the total order), idempotency keys and snapshots. A commit resolves once its WAL frames are on
 * disk: the flush runs off the event loop and is shared by the commits that wait for it
 * (`WalSync`). Schema from
 * `migrations/sqlite/`, applied on open. Calls are synchronous under async signatures; other
 * processes sharing the file are serialised by SQLite's write lock (IMMEDIATE transactions).
 */
import { join } from 'node:path';
import type { Ad } from '../model/ad.js';
import type { Entry } from '../statemachine/entries.js';
import { systemClock, type Clock } from '../clock/clock.js';
import { createWalSync, openSqlite, type Datasync } from '../db/sqlite-connection.js';
import { migrateSqlite } from '../db/sqlite-migrate.js';
import { nextTurn, partsOf } from './snapshot-parts.js';
import {
  IDEMPOTENCY_KEY_TTL_MS,
  checkNextSeqs,
  type BatchContext,
  type BatchRequest,
  type SnapshotToSave,
  type Store,
  type StoredSnapshot,
} from './store.js';

export type SqliteStoreDeps = ({ readonly dataDir: string } | { readonly filename: string }) & {
  /** Hold the file's lock for the store's lifetime, so a second process cannot open it. */
  readonly exclusive?: boolean;
  /** The store's clock, read inside each write transaction (default: the system clock). */
  readonly clock?: Clock;
  /** Flushes the WAL to disk (default: `fdatasync` of the WAL file); tests observe it. */
  readonly datasync?: Datasync;
};

/** The database file used for a data directory. */
export const sqliteFilename = (dataDir: string): string => join(dataDir, 'adsm.sqlite');

interface AdRow {
  ad: string;
  expired: number;
}

export function createSqliteStore(deps: SqliteStoreDeps): Store {
  const filename = 'dataDir' in deps ? sqliteFilename(deps.dataDir) : deps.filename;
  const db = openSqlite(filename, { exclusive: deps.exclusive, syncOnCommit: false });
  const walSync = createWalSync(filename, deps.datasync);
  const clock = deps.clock ?? systemClock;
  migrateSqlite(db);

  const sql = {
    head: db.prepare<[], { head: number }>('SELECT coalesce(max(seq), 0) AS head FROM log'),
    logAfter: db.prepare<[number, number], { entry: string }>(
      'SELECT entry FROM log WHERE seq > ? ORDER BY seq LIMIT ?',
    ),
    insertLog: db.prepare<[number, string, number]>('INSERT INTO log (seq, entry, at) VALUES (?, ?, ?)'),
    getAd: db.prepare<[string], AdRow>('SELECT ad, expired FROM ads WHERE id = ?'),
    expiredFirst: db.prepare<[number], { ad: string }>(
      `SELECT ad FROM ads WHERE expired = 1
       ORDER BY json_extract(ad, '$.createdAt') DESC, id DESC LIMIT ?`,
    ),
    expiredAfter: db.prepare<[number, number, string, number], { ad: string }>(
      `SELECT ad FROM ads WHERE expired = 1
         AND (json_extract(ad, '$.createdAt') < ? OR (json_extract(ad, '$.createdAt') = ? AND id < ?))
       ORDER BY json_extract(ad, '$.createdAt') DESC, id DESC LIMIT ?`,
    ),
    upsertAd: db.prepare<[string, string, number, number]>(
      `INSERT INTO ads (id, ad, end_at, version, expired) VALUES (?, ?, ?, ?, 0)
       ON CONFLICT (id) DO UPDATE SET
         ad = excluded.ad, end_at = excluded.end_at, version = excluded.version, expired = 0`,
    ),
    deleteAd: db.prepare<[string]>('DELETE FROM ads WHERE id = ?'),
    expireAd: db.prepare<[string, number]>('UPDATE ads SET expired = 1 WHERE id = ? AND version = ?'),
    pruneKeys: db.prepare<[number]>('DELETE FROM idempotency_keys WHERE at < ?'),
    upsertKey: db.prepare<[string, string, string, number]>(
      `INSERT INTO idempotency_keys (key, fingerprint, ad_id, at) VALUES (?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint, ad_id = excluded.ad_id, at = excluded.at`,
    ),
    latestSnapshot: db.prepare<[], { seq: number; data: string; parts: number }>(
      'SELECT seq, data, parts FROM snapshots ORDER BY seq DESC LIMIT 1',
    ),
    latestSnapshotInfo: db.prepare<[], { seq: number; takenAt: number }>(
      'SELECT seq, created_at AS takenAt FROM snapshots ORDER BY seq DESC LIMIT 1',
    ),
    hasSnapshot: db.prepare<[number], { seq: number }>('SELECT seq FROM snapshots WHERE seq = ?'),
    snapshotParts: db.prepare<[number], { data: string }>(
      'SELECT data FROM snapshot_parts WHERE seq = ? ORDER BY part',
    ),
    insertPart: db.prepare<[number, number, string]>(
      'INSERT OR REPLACE INTO snapshot_parts (seq, part, data) VALUES (?, ?, ?)',
    ),
    insertSnapshot: db.prepare<[number, number, number]>(
      "INSERT INTO snapshots (seq, data, parts, created_at) VALUES (?, '', ?, ?) ON CONFLICT (seq) DO NOTHING",
    ),
    pruneSnapshots: db.prepare<[number]>(
      'DELETE FROM snapshots WHERE seq NOT IN (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT ?)',
    ),
    /** Parts no snapshot row claims: of pruned snapshots, or of a write cut short. */
    unclaimedParts: db.prepare<[], { seq: number; part: number }>(
      'SELECT seq, part FROM snapshot_parts WHERE seq NOT IN (SELECT seq FROM snapshots)',
    ),
    deletePart: db.prepare<[number, number]>('DELETE FROM snapshot_parts WHERE seq = ? AND part = ?'),
    deleteParts: db.prepare<[number]>('DELETE FROM snapshot_parts WHERE seq = ?'),
  };

  const parseEntries = (rows: readonly { entry: string }[]): Entry[] =>
    rows.map((r) => JSON.parse(r.entry) as Entry);

  function applyToAds(entry: Entry): void {
    switch (entry.type) {
      case 'create':
      case 'update':
        sql.upsertAd.run(entry.ad.id, JSON.stringify(entry.ad), entry.ad.endAt, entry.ad.version);
        if (entry.type === 'create' && entry.idempotency) {
          const { key, fingerprint } = entry.idempotency;
          sql.upsertKey.run(key, fingerprint, entry.ad.id, entry.at);
          sql.pruneKeys.run(entry.at - IDEMPOTENCY_KEY_TTL_MS);
        }
        return;
      case 'delete':
        sql.deleteAd.run(entry.id);
        return;
      case 'expire':
        sql.expireAd.run(entry.id, entry.version);
        return;
      case 'complete':
        return;
    }
  }

  const commitTx = db.transaction(
    (request: BatchRequest, prepare: (ctx: BatchContext) => readonly Entry[]): readonly Entry[] => {
      const { afterSeq } = request;
      const head = sql.head.get()?.head ?? 0;
      const tail = afterSeq < head ? parseEntries(sql.logAfter.all(afterSeq, head - afterSeq)) : [];
      const stored = new Map<string, Ad>();
      for (const id of request.adIds ?? []) {
        const row = sql.getAd.get(id);
        if (row) stored.set(id, JSON.parse(row.ad) as Ad);
      }
      const entries = prepare({ head, tail, stored, now: clock.now() });
      checkNextSeqs(entries, head);
      for (const entry of entries) {
        sql.insertLog.run(entry.seq, JSON.stringify(entry), entry.at);
        applyToAds(entry);
      }
      return entries;
    },
  );
  const commitBatch: Store['commitBatch'] = async (request, prepare) => {
    const entries = await call(() => commitTx.immediate(request, prepare));
    if (entries.length > 0) await walSync();
    return entries;
  };

  const finishSnapshotTx = db.transaction((seq: number, parts: number, keep: number) => {
    sql.insertSnapshot.run(seq, parts, Date.now());
    sql.pruneSnapshots.run(Math.max(1, keep));
  });

  /**
   * Each part is its own small transaction (SQLite calls block the process); the row that makes
   * the snapshot visible comes last. Parts no row claims are then deleted one at a time.
   */
  async function saveSnapshot(snapshot: SnapshotToSave, keep: number): Promise<void> {
    if (sql.hasSnapshot.get(snapshot.seq)) return;
    sql.deleteParts.run(snapshot.seq);
    let parts = 0;
    for await (const part of partsOf(snapshot.data)) sql.insertPart.run(snapshot.seq, parts++, part);
    finishSnapshotTx.immediate(snapshot.seq, parts, keep);
    await walSync();
    for (const { seq, part } of sql.unclaimedParts.all()) {
      await nextTurn();
      sql.deletePart.run(seq, part);
    }
  }

  function latestSnapshot(): StoredSnapshot | undefined {
    const row = sql.latestSnapshot.get();
    if (!row) return undefined;
    if (row.parts === 0) return { seq: row.seq, data: row.data };
    return {
      seq: row.seq,
      data: sql.snapshotParts
        .all(row.seq)
        .map((p) => p.data)
        .join(''),
    };
  }

  return {
    commitBatch,
    readLog: (afterSeq, limit) =>
      call(() => (limit > 0 ? parseEntries(sql.logAfter.all(afterSeq, limit)) : [])),
    headSeq: () => call(() => sql.head.get()?.head ?? 0),
    getAd: (id) =>
      call(() => {
        const row = sql.getAd.get(id);
        return row && { ad: JSON.parse(row.ad) as Ad, expired: row.expired === 1 };
      }),
    expiredAds: (after, limit) =>
      call(() =>
        (after === undefined
          ? sql.expiredFirst.all(limit)
          : sql.expiredAfter.all(after.createdAt, after.createdAt, after.id, limit)
        ).map((r) => JSON.parse(r.ad) as Ad),
      ),
    latestSnapshot: () => call(latestSnapshot),
    latestSnapshotInfo: () => call(() => sql.latestSnapshotInfo.get()),
    saveSnapshot,
    close: async () => {
      await walSync.close();
      if (db.open) db.close();
    },
  };
}

/** Runs a synchronous database call under the port's async signature; a throw becomes a rejection. */
const call = <T>(fn: () => T): Promise<T> => new Promise((resolve) => resolve(fn()));
