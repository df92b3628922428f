/**
 * The embedded Store: one SQLite file (better-sqlite3, WAL, `synchronous=FULL`) holding the ads
 * table, the log table (the total order), idempotency keys and snapshots. Schema from
 * `migrations/sqlite/`, applied on open. Calls are synchronous under async signatures; other
 * processes sharing the file are serialised by SQLite's write lock (IMMEDIATE transactions).
 */
import { join } from 'node:path';
import type { Ad } from '../model/ad.js';
import type { Entry } from '../statemachine/entries.js';
import { systemClock, type Clock } from '../clock/clock.js';
import { openSqlite } from './sqlite-connection.js';
import { migrateSqlite } from './sqlite-migrate.js';
import {
  IDEMPOTENCY_KEY_TTL_MS,
  checkNextSeqs,
  commitOne,
  type BatchContext,
  type BatchRequest,
  type Store,
  type StoredSnapshot,
} from './store.js';

export type SqliteStoreDeps = ({ readonly dataDir: string } | { readonly filename: string }) & {
  /** Hold the file's lock for the store's lifetime, so a second process cannot open it. */
  readonly exclusive?: boolean;
  /** The store's clock, read inside each write transaction (default: the system clock). */
  readonly clock?: Clock;
};

/** The database file used for a data directory. */
export const sqliteFilename = (dataDir: string): string => join(dataDir, 'adsm.sqlite');

interface AdRow {
  ad: string;
  expired: number;
}

export function createSqliteStore(deps: SqliteStoreDeps): Store {
  const filename = 'dataDir' in deps ? sqliteFilename(deps.dataDir) : deps.filename;
  const db = openSqlite(filename, { exclusive: deps.exclusive });
  const clock = deps.clock ?? systemClock;
  migrateSqlite(db);

  const sql = {
    head: db.prepare<[], { head: number }>('SELECT coalesce(max(seq), 0) AS head FROM log'),
    logAfter: db.prepare<[number, number], { entry: string }>(
      'SELECT entry FROM log WHERE seq > ? ORDER BY seq LIMIT ?',
    ),
    insertLog: db.prepare<[number, string, number]>('INSERT INTO log (seq, entry, at) VALUES (?, ?, ?)'),
    getAd: db.prepare<[string], AdRow>('SELECT ad, expired FROM ads WHERE id = ?'),
    liveAds: db.prepare<[], { ad: string }>('SELECT ad FROM ads WHERE expired = 0 ORDER BY id'),
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
    latestSnapshot: db.prepare<[], StoredSnapshot>(
      'SELECT seq, data FROM snapshots ORDER BY seq DESC LIMIT 1',
    ),
    latestSnapshotInfo: db.prepare<[], { seq: number; takenAt: number }>(
      'SELECT seq, created_at AS takenAt FROM snapshots ORDER BY seq DESC LIMIT 1',
    ),
    insertSnapshot: db.prepare<[number, string, number]>(
      'INSERT INTO snapshots (seq, data, created_at) VALUES (?, ?, ?) ON CONFLICT (seq) DO NOTHING',
    ),
    pruneSnapshots: db.prepare<[number]>(
      'DELETE FROM snapshots WHERE seq NOT IN (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT ?)',
    ),
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
  const commitBatch: Store['commitBatch'] = (request, prepare) =>
    call(() => commitTx.immediate(request, prepare));

  const saveSnapshotTx = db.transaction((snapshot: StoredSnapshot, keep: number) => {
    sql.insertSnapshot.run(snapshot.seq, snapshot.data, Date.now());
    sql.pruneSnapshots.run(Math.max(1, keep));
  });

  return {
    commitBatch,
    commit: commitOne(commitBatch),
    readLog: (afterSeq, limit) =>
      call(() => (limit > 0 ? parseEntries(sql.logAfter.all(afterSeq, limit)) : [])),
    headSeq: () => call(() => sql.head.get()?.head ?? 0),
    getAd: (id) =>
      call(() => {
        const row = sql.getAd.get(id);
        return row && { ad: JSON.parse(row.ad) as Ad, expired: row.expired === 1 };
      }),
    liveAds: () => call(() => sql.liveAds.all().map((r) => JSON.parse(r.ad) as Ad)),
    expiredAds: (after, limit) =>
      call(() =>
        (after === undefined
          ? sql.expiredFirst.all(limit)
          : sql.expiredAfter.all(after.createdAt, after.createdAt, after.id, limit)
        ).map((r) => JSON.parse(r.ad) as Ad),
      ),
    latestSnapshot: () => call(() => sql.latestSnapshot.get()),
    latestSnapshotInfo: () => call(() => sql.latestSnapshotInfo.get()),
    saveSnapshot: (snapshot, keep) => call(() => saveSnapshotTx.immediate(snapshot, keep)),
    close: () =>
      call(() => {
        if (db.open) db.close();
      }),
  };
}

/** Runs a synchronous database call under the port's async signature; a throw becomes a rejection. */
const call = <T>(fn: () => T): Promise<T> => new Promise((resolve) => resolve(fn()));
