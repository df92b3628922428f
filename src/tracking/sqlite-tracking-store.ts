/**
 * The embedded TrackingStore: its own SQLite file (`DATA_DIR/tracking.sqlite`, WAL,
 * `synchronous=FULL`) beside the ads database, so counting never contends with the ad log.
 * Schema from `migrations/sqlite/tracking/`. Calls are synchronous under async signatures.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqlite } from '../db/sqlite-connection.js';
import { migrateSqlite } from '../db/sqlite-migrate.js';
import type { BucketCounts } from './buckets.js';
import type { CountBatch, StoredCounts, TrackingStore } from './tracking-store.js';
import { withFreshFires } from './fires.js';
import { createSqliteFires } from './sqlite-fires.js';

export const SQLITE_TRACKING_MIGRATIONS_DIR = fileURLToPath(
  new URL('../../migrations/sqlite/tracking/', import.meta.url),
);

export const trackingFilename = (dataDir: string): string => join(dataDir, 'tracking.sqlite');

/** The tracking file's page cache bound (KiB). */
export const TRACKING_CACHE_KIB = 8192;

type Row = { k: string; a: number | null; b: number | null; c: number | null };

export function createSqliteTrackingStore(deps: { readonly filename: string }): TrackingStore {
  // The spool drops what a flush stored: the flush must survive power loss too (syncs on commit).
  // A flush of a catalogue's deltas changes pages all over the sums: past this cache they go to
  // the WAL early instead of staying in memory until the commit.
  const db = openSqlite(deps.filename, { cacheKiB: TRACKING_CACHE_KIB });
  migrateSqlite(db, SQLITE_TRACKING_MIGRATIONS_DIR);

  const upsert = (table: string) =>
    db.prepare<[string, number, number, number]>(
      `INSERT INTO ${table} (ad_id, start, impressions, clicks) VALUES (?, ?, ?, ?)
       ON CONFLICT (ad_id, start) DO UPDATE SET
         impressions = impressions + excluded.impressions, clicks = clicks + excluded.clicks`,
    );
  const sql = {
    watermark: db.prepare<[string], { watermark: number }>(
      'SELECT watermark FROM tracking_watermarks WHERE replica_id = ?',
    ),
    setWatermark: db.prepare<[string, number, number]>(
      `INSERT INTO tracking_watermarks (replica_id, watermark, flushed_at) VALUES (?, ?, ?)
       ON CONFLICT (replica_id) DO UPDATE SET watermark = excluded.watermark, flushed_at = excluded.flushed_at`,
    ),
    minute: upsert('tracking_minutes'),
    hour: upsert('tracking_hours'),
    last: db.prepare<[string, number | null, number | null]>(
      `INSERT INTO tracking_last (ad_id, impression_at, click_at) VALUES (?, ?, ?)
       ON CONFLICT (ad_id) DO UPDATE SET
         impression_at = max(coalesce(impression_at, excluded.impression_at), coalesce(excluded.impression_at, impression_at)),
         click_at = max(coalesce(click_at, excluded.click_at), coalesce(excluded.click_at, click_at))`,
    ),
    getKey: db.prepare<[string], { fingerprint: string; answer: string }>(
      'SELECT fingerprint, answer FROM tracking_keys WHERE key = ?',
    ),
    putKey: db.prepare<[string, string, string, number]>(
      'INSERT INTO tracking_keys (key, fingerprint, answer, at) VALUES (?, ?, ?, ?)',
    ),
    read: db.prepare<[string, number, string, number, string, string], Row>(
      `SELECT 'm' AS k, start AS a, impressions AS b, clicks AS c FROM tracking_minutes WHERE ad_id = ? AND start >= ?
       UNION ALL SELECT 'h', start, impressions, clicks FROM tracking_hours WHERE ad_id = ? AND start >= ?
       UNION ALL SELECT 'l', impression_at, click_at, NULL FROM tracking_last WHERE ad_id = ?
       UNION ALL SELECT 'w', watermark, NULL, NULL FROM tracking_watermarks WHERE replica_id = ?`,
    ),
    hours: db.prepare<[string, number, number], BucketCounts>(
      `SELECT start, impressions, clicks FROM tracking_hours WHERE ad_id = ? AND start >= ? AND start < ?
       ORDER BY start`,
    ),
    pruneMinutes: db.prepare<[number]>('DELETE FROM tracking_minutes WHERE start < ?'),
    pruneHours: db.prepare<[number]>('DELETE FROM tracking_hours WHERE start < ?'),
    pruneKeys: db.prepare<[number]>('DELETE FROM tracking_keys WHERE at < ?'),
  };

  const add = (batch: CountBatch): void => {
    for (const r of batch.minutes) sql.minute.run(r.adId, r.start, r.impressions, r.clicks);
    for (const r of batch.hours) sql.hour.run(r.adId, r.start, r.impressions, r.clicks);
    for (const r of batch.last) sql.last.run(r.adId, r.impression, r.click);
  };

  const fires = createSqliteFires(db);
  const flushTx = db.transaction((batch: Parameters<TrackingStore['flush']>[0]): boolean[] | false => {
    const stored = sql.watermark.get(batch.replicaId)?.watermark ?? 0;
    if (stored >= batch.watermark) return false;
    const fired = batch.fires ?? [];
    const fresh = fired.length > 0 ? fires.settle(fired) : [];
    add(withFreshFires(batch, fired, fresh, batch.minutesFrom ?? 0));
    sql.setWatermark.run(batch.replicaId, batch.watermark, Date.now());
    return fresh;
  });

  const keyedTx = db.transaction((batch: Parameters<TrackingStore['recordKeyed']>[0]) => {
    const existing = sql.getKey.get(batch.key);
    if (existing) return existing;
    sql.putKey.run(batch.key, batch.fingerprint, batch.answer, batch.at);
    add(batch);
    return undefined;
  });

  const readTx = db.transaction((adId: string, replicaId: string, minuteFrom: number, hourFrom: number) => {
    const out = {
      minutes: [] as BucketCounts[],
      hours: [] as BucketCounts[],
      last: { impression: null as number | null, click: null as number | null },
      watermark: 0,
    };
    for (const r of sql.read.all(adId, minuteFrom, adId, hourFrom, adId, replicaId)) {
      if (r.k === 'm') out.minutes.push({ start: r.a!, impressions: r.b!, clicks: r.c! });
      else if (r.k === 'h') out.hours.push({ start: r.a!, impressions: r.b!, clicks: r.c! });
      else if (r.k === 'l') out.last = { impression: r.a, click: r.b };
      else out.watermark = r.a!;
    }
    return out satisfies StoredCounts;
  });

  const hoursTx = db.transaction((adId: string, replicaId: string, from: number, to: number) => ({
    hours: sql.hours.all(adId, from, to),
    watermark: sql.watermark.get(replicaId)?.watermark ?? 0,
  }));

  const pruneTx = db.transaction((f: Parameters<TrackingStore['prune']>[0]) => {
    sql.pruneMinutes.run(f.minutesBefore);
    sql.pruneHours.run(f.hoursBefore);
    sql.pruneKeys.run(f.keysBefore);
    if (f.firesBefore !== undefined) fires.prune(f.firesBefore);
  });

  return {
    watermark: (replicaId) => call(() => sql.watermark.get(replicaId)?.watermark ?? 0),
    flush: (batch) =>
      call(() => {
        const fresh = flushTx.immediate(batch);
        if (fresh === false) return false;
        if (fresh.length > 0) batch.settled?.(fresh);
        return true;
      }),
    recordKeyed: (batch) => call(() => keyedTx.immediate(batch)),
    read: (adId, replicaId, minuteFrom, hourFrom) =>
      call(() => readTx(adId, replicaId, minuteFrom, hourFrom)),
    hours: (adId, replicaId, from, to) => call(() => hoursTx(adId, replicaId, from, to)),
    prune: (floors) => call(() => pruneTx.immediate(floors)),
    close: () =>
      call(() => {
        if (db.open) db.close();
      }),
  };
}

const call = <T>(fn: () => T): Promise<T> => new Promise((resolve) => resolve(fn()));
