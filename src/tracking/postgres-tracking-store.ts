/**
 * The replicated TrackingStore: Postgres tables shared by every replica (`migrations/0002_tracking.sql`).
 * Each flush is one transaction: lock this replica's watermark row, multi-row
 * `INSERT … SELECT … FROM unnest(…) ON CONFLICT … DO UPDATE` statements of up to `CHUNK_ROWS`
 * rows, table after table, rows in key order (so concurrent flushes of several replicas take row
 * locks in one order and never deadlock), then the new watermark. Names are qualified with `schema` when one is given.
 */
import pg from 'pg';
import type { BucketCounts } from './buckets.js';
import type { CountRow } from './deltas.js';
import {
  aroundTrackingStore,
  type CountBatch,
  type StoredCounts,
  type TrackingStore,
} from './tracking-store.js';
import { mapStoreErrors } from '../db/postgres-errors.js';
import { inTransaction } from '../db/postgres-tx.js';
import { withFreshFires } from './fires.js';
import { settleFires } from './postgres-fires.js';

export interface PostgresTrackingStoreDeps {
  /** Borrowed: `close()` leaves it open. */
  readonly pool: pg.Pool;
  readonly schema?: string | undefined;
}

type ReadRow = { k: string; a: string | null; b: string | null; c: string | null };

/** Rows per statement of a flush: a few hundred kB of parameters. */
export const CHUNK_ROWS = 5_000;

/** `rows` in lists of up to `CHUNK_ROWS`, each made when the one before has been used. */
function* chunked<T>(rows: Iterable<T>): Generator<T[]> {
  let chunk: T[] = [];
  for (const r of rows) {
    chunk.push(r);
    if (chunk.length === CHUNK_ROWS) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

const num = (v: string | null): number => Number(v);
const numOrNull = (v: string | null): number | null => (v === null ? null : Number(v));

export function createPostgresTrackingStore(deps: PostgresTrackingStoreDeps): TrackingStore {
  const { pool, schema } = deps;
  const t = (name: string) => (schema === undefined ? name : `${pg.escapeIdentifier(schema)}.${name}`);
  const [minutes, hours, last, watermarks, keys, fired] = [
    t('tracking_minutes'),
    t('tracking_hours'),
    t('tracking_last'),
    t('tracking_watermarks'),
    t('tracking_keys'),
    t('tracking_fired'),
  ];

  const sumsInto = (table: string) =>
    `INSERT INTO ${table} AS t (ad_id, start, impressions, clicks)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[])
       ON CONFLICT (ad_id, start) DO UPDATE SET
         impressions = t.impressions + excluded.impressions, clicks = t.clicks + excluded.clicks`;
  const addMinutes = sumsInto(minutes);
  const addHours = sumsInto(hours);
  const addLast = `INSERT INTO ${last} AS t (ad_id, impression_at, click_at)
      SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])
      ON CONFLICT (ad_id) DO UPDATE SET
        impression_at = greatest(t.impression_at, excluded.impression_at),
        click_at = greatest(t.click_at, excluded.click_at)`;

  /**
   * Adds a batch's rows, `CHUNK_ROWS` per statement, table after table (minutes, hours, last),
   * each in the batch's key order: rows are made as they are sent, and every flush takes row
   * locks in one order, so concurrent flushes never deadlock.
   */
  const addBatch = async (client: pg.PoolClient, b: CountBatch): Promise<void> => {
    const sums = (rows: readonly CountRow[]) => [
      rows.map((r) => r.adId),
      rows.map((r) => r.start),
      rows.map((r) => r.impressions),
      rows.map((r) => r.clicks),
    ];
    for (const rows of chunked(b.minutes)) await client.query(addMinutes, sums(rows));
    for (const rows of chunked(b.hours)) await client.query(addHours, sums(rows));
    for (const rows of chunked(b.last))
      await client.query(addLast, [
        rows.map((r) => r.adId),
        rows.map((r) => r.impression),
        rows.map((r) => r.click),
      ]);
  };

  const sql = {
    watermark: `SELECT watermark FROM ${watermarks} WHERE replica_id = $1`,
    ensureWatermark: `INSERT INTO ${watermarks} (replica_id, watermark) VALUES ($1, 0) ON CONFLICT DO NOTHING`,
    lockWatermark: `SELECT watermark FROM ${watermarks} WHERE replica_id = $1 FOR UPDATE`,
    setWatermark: `UPDATE ${watermarks} SET watermark = $2, flushed_at = now() WHERE replica_id = $1`,
    claimKey: `INSERT INTO ${keys} (key, fingerprint, answer, at) VALUES ($1, $2, $3, $4)
      ON CONFLICT (key) DO NOTHING RETURNING key`,
    getKey: `SELECT fingerprint, answer FROM ${keys} WHERE key = $1`,
    // One statement, one snapshot: sums, last and the watermark agree with each other.
    read: `SELECT 'm' AS k, start AS a, impressions AS b, clicks AS c FROM ${minutes} WHERE ad_id = $1 AND start >= $2
      UNION ALL SELECT 'h', start, impressions, clicks FROM ${hours} WHERE ad_id = $1 AND start >= $3
      UNION ALL SELECT 'l', impression_at, click_at, NULL FROM ${last} WHERE ad_id = $1
      UNION ALL SELECT 'w', watermark, NULL, NULL FROM ${watermarks} WHERE replica_id = $4`,
    hours: `SELECT start, impressions, clicks FROM ${hours} WHERE ad_id = $1 AND start >= $2 AND start < $3
      UNION ALL SELECT -1, watermark, 0 FROM ${watermarks} WHERE replica_id = $4
      ORDER BY 1`,
    prune: `WITH m AS (DELETE FROM ${minutes} WHERE start < $1), h AS (DELETE FROM ${hours} WHERE start < $2)
      DELETE FROM ${keys} WHERE at < $3`,
    pruneFires: `DELETE FROM ${fired} WHERE keep_until < $1`,
  };

  const store: TrackingStore = {
    async watermark(replicaId) {
      const { rows } = await pool.query<{ watermark: string }>(sql.watermark, [replicaId]);
      return rows[0] ? Number(rows[0].watermark) : 0;
    },

    flush: async (batch) => {
      const fires = batch.fires ?? [];
      let fresh: boolean[] = [];
      const stored = await inTransaction(pool, async (client) => {
        await client.query(sql.ensureWatermark, [batch.replicaId]);
        const locked = await client.query<{ watermark: string }>(sql.lockWatermark, [batch.replicaId]);
        if (Number(locked.rows[0]?.watermark ?? 0) >= batch.watermark) return false;
        if (fires.length > 0) fresh = await settleFires(client, fired, fires);
        const sums = withFreshFires(batch, fires, fresh, batch.minutesFrom ?? 0);
        await addBatch(client, sums);
        await client.query(sql.setWatermark, [batch.replicaId, batch.watermark]);
        return true;
      });
      if (stored && fires.length > 0) batch.settled?.(fresh);
      return stored;
    },

    recordKeyed: (batch) =>
      inTransaction(pool, async (client) => {
        const claimed = await client.query(sql.claimKey, [
          batch.key,
          batch.fingerprint,
          batch.answer,
          batch.at,
        ]);
        if (claimed.rowCount === 0) {
          // Another request committed this key first (we waited for it): answer what it stored.
          const { rows } = await client.query<{ fingerprint: string; answer: string }>(sql.getKey, [
            batch.key,
          ]);
          return rows[0];
        }
        await addBatch(client, batch);
        return undefined;
      }),

    async read(adId, replicaId, minuteFrom, hourFrom) {
      const { rows } = await pool.query<ReadRow>(sql.read, [adId, minuteFrom, hourFrom, replicaId]);
      const out = {
        minutes: [] as BucketCounts[],
        hours: [] as BucketCounts[],
        last: { impression: null as number | null, click: null as number | null },
        watermark: 0,
      };
      for (const r of rows) {
        if (r.k === 'm') out.minutes.push({ start: num(r.a), impressions: num(r.b), clicks: num(r.c) });
        else if (r.k === 'h') out.hours.push({ start: num(r.a), impressions: num(r.b), clicks: num(r.c) });
        else if (r.k === 'l') out.last = { impression: numOrNull(r.a), click: numOrNull(r.b) };
        else out.watermark = num(r.a);
      }
      return out satisfies StoredCounts;
    },

    async hours(adId, replicaId, from, to) {
      const { rows } = await pool.query<{ start: string; impressions: string; clicks: string }>(sql.hours, [
        adId,
        from,
        to,
        replicaId,
      ]);
      let watermark = 0;
      const out: BucketCounts[] = [];
      for (const r of rows) {
        // The watermark rides along as start -1 (no bucket starts before 1970).
        if (r.start === '-1') watermark = Number(r.impressions);
        else
          out.push({ start: Number(r.start), impressions: Number(r.impressions), clicks: Number(r.clicks) });
      }
      return { hours: out, watermark };
    },

    async prune(f) {
      await pool.query(sql.prune, [f.minutesBefore, f.hoursBefore, f.keysBefore]);
      if (f.firesBefore !== undefined) await pool.query(sql.pruneFires, [f.firesBefore]);
    },

    close: () => Promise.resolve(),
  };
  // An outage is 503 store_unavailable (a keyed request is then safe to retry); a bug stays a 500.
  return aroundTrackingStore(store, mapStoreErrors);
}
