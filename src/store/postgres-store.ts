/**
 * The replicated Store: Postgres tables shared by every replica (schema in `migrations/*.sql`,
 * applied by `migratePostgres`). `log` holds every committed entry as JSON (the total order),
 * `log_head` the last `seq`, `ads` the current row of each ad with its expiry flag,
 * `idempotency_keys` the keys of creates, `snapshots` and `snapshot_parts` encoded states. All names are qualified
 * with `schema` when one is given, so borrowed pool clients are never reconfigured.
 */
import pg from 'pg';
import type { Ad } from '../model/ad.js';
import type { Entry } from '../statemachine/entries.js';
import { invariantFailed } from '../model/errors.js';
import { mapStoreErrors } from '../db/postgres-errors.js';
import { openBatchSql, writeBatchSql } from './postgres-batch.js';
import { inOwnTransaction, inTransaction } from '../db/postgres-tx.js';
import { partsOf } from './snapshot-parts.js';
import {
  IDEMPOTENCY_KEY_TTL_MS,
  aroundStore,
  checkNextSeqs,
  type Store,
  type StoredSnapshot,
} from './store.js';

export interface PostgresStoreDeps {
  /** Borrowed: `close()` leaves it open. */
  readonly pool: pg.Pool;
  /** Schema holding the tables; the connection's `search_path` decides when absent. */
  readonly schema?: string | undefined;
}

/** `bigint` columns arrive as strings (they may exceed 2^53); every `seq` we write is safe. */
const toNumber = (value: string | number): number => {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw invariantFailed(`${value} is not a safe integer`);
  return n;
};

export function createPostgresStore(deps: PostgresStoreDeps): Store {
  const { pool, schema } = deps;
  const prefix = schema === undefined ? '' : `${pg.escapeIdentifier(schema)}.`;
  const table = (name: string): string => prefix + name;
  const [ads, log, logHead] = [table('ads'), table('log'), table('log_head')];
  const [snapshots, parts, keys] = [table('snapshots'), table('snapshot_parts'), table('idempotency_keys')];

  const sql = {
    head: `SELECT seq FROM ${logHead} WHERE id = 1`,
    logAfter: `SELECT entry FROM ${log} WHERE seq > $1 ORDER BY seq LIMIT $2`,
    getAd: `SELECT data, expired FROM ${ads} WHERE id = $1`,
    // $1 createdAt and $2 id of the last ad already seen (NULL: from the newest), $3 the limit.
    expiredAds: `SELECT data FROM ${ads} WHERE expired
        AND ($1::bigint IS NULL OR (data->>'createdAt')::bigint < $1::bigint
          OR ((data->>'createdAt')::bigint = $1::bigint AND id COLLATE "C" < $2::text))
      ORDER BY (data->>'createdAt')::bigint DESC, id COLLATE "C" DESC LIMIT $3`,
    latestSnapshot: `SELECT s.seq, CASE WHEN s.parts = 0 THEN s.data ELSE
        (SELECT string_agg(p.data, '' ORDER BY p.part) FROM ${parts} p WHERE p.seq = s.seq) END AS data
      FROM ${snapshots} s ORDER BY s.seq DESC LIMIT 1`,
    hasSnapshot: `SELECT 1 FROM ${snapshots} WHERE seq = $1`,
    insertPart: `INSERT INTO ${parts} (seq, part, data) VALUES ($1, $2, $3)
      ON CONFLICT (seq, part) DO UPDATE SET data = excluded.data`,
    latestSnapshotInfo: `SELECT seq, (extract(epoch FROM created_at) * 1000)::bigint AS taken_at
      FROM ${snapshots} ORDER BY seq DESC LIMIT 1`,
    insertSnapshot: `INSERT INTO ${snapshots} (seq, data, parts) VALUES ($1, '', $2) ON CONFLICT (seq) DO NOTHING`,
    pruneSnapshots: `DELETE FROM ${snapshots}
      WHERE seq NOT IN (SELECT seq FROM ${snapshots} ORDER BY seq DESC LIMIT $1)`,
    pruneParts: `DELETE FROM ${parts} WHERE seq NOT IN (SELECT seq FROM ${snapshots})`,
  };

  /**
   * One statement per entry: the log row, the new head and the ads-table change ($1 seq,
   * $2 entry, $3 at, then the entry's own parameters). Data-modifying CTEs all run exactly once.
   */
  const append = (change: string, ...ctes: string[]): string =>
    `WITH appended AS (INSERT INTO ${log} (seq, entry, at) VALUES ($1, $2, $3)),
       advanced AS (UPDATE ${logHead} SET seq = $1 WHERE id = 1)${ctes.map((c) => `,\n       ${c}`).join('')}
     ${change}`;
  const upsertAd = `INSERT INTO ${ads} (id, data, end_at, version, expired) VALUES ($4, $5, $6, $7, false)
     ON CONFLICT (id) DO UPDATE SET
       data = excluded.data, end_at = excluded.end_at, version = excluded.version, expired = false`;
  const write = {
    upsert: append(upsertAd),
    upsertWithKey: append(
      upsertAd,
      `keyed AS (INSERT INTO ${keys} (key, fingerprint, ad_id, at) VALUES ($8, $9, $4, $3)
         ON CONFLICT (key) DO UPDATE SET
           fingerprint = excluded.fingerprint, ad_id = excluded.ad_id, at = excluded.at)`,
      `pruned AS (DELETE FROM ${keys} WHERE at < $3::bigint - ${IDEMPOTENCY_KEY_TTL_MS} AND key <> $8)`,
    ),
    delete: append(`DELETE FROM ${ads} WHERE id = $4`),
    expire: append(`UPDATE ${ads} SET expired = true WHERE id = $4 AND version = $5`),
    /** Completion lives in the log and the replicas' state only: the ads table keeps the version. */
    logOnly: append('SELECT 1'),
  };

  function writeEntry(client: pg.PoolClient, entry: Entry): Promise<unknown> {
    const base = [entry.seq, JSON.stringify(entry), entry.at];
    switch (entry.type) {
      case 'create':
      case 'update': {
        const { ad } = entry;
        const row = [...base, ad.id, JSON.stringify(ad), ad.endAt, ad.version];
        const stamp = entry.type === 'create' ? entry.idempotency : undefined;
        return stamp
          ? client.query(write.upsertWithKey, [...row, stamp.key, stamp.fingerprint])
          : client.query(write.upsert, row);
      }
      case 'delete':
        return client.query(write.delete, [...base, entry.id]);
      case 'expire':
        return client.query(write.expire, [...base, entry.id, entry.version]);
      case 'complete':
        return client.query(write.logOnly, base);
    }
  }

  const one = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) =>
    (await pool.query<R>(text, values)).rows[0];

  const tables = { ads, log, logHead, keys };
  // Two round trips under the row lock (see postgres-batch.ts); entry by entry only for a batch
  // that changes one row twice.
  const commitBatch: Store['commitBatch'] = (request, prepare) =>
    inOwnTransaction(pool, async (client) => {
      const opened = await client.query(openBatchSql(tables, request.afterSeq, request.adIds ?? []));
      const results = opened as unknown as pg.QueryResult[];
      const row = results.at(-1)?.rows[0] as
        { head: string; tail: Entry[]; stored: Ad[]; now: number } | undefined;
      if (!row) throw invariantFailed('log_head has no row: run the migrations');
      const head = toNumber(row.head);
      const stored = new Map(row.stored.map((ad) => [ad.id, ad]));
      const entries = prepare({ head, tail: row.tail, stored, now: row.now });
      checkNextSeqs(entries, head);
      const batch = writeBatchSql(tables, entries);
      if (batch !== undefined) {
        await client.query(batch);
      } else {
        for (const entry of entries) await writeEntry(client, entry);
        await client.query('COMMIT');
      }
      return entries;
    });

  const store: Store = {
    commitBatch,
    readLog: async (afterSeq, limit) => {
      if (limit <= 0) return [];
      const { rows } = await pool.query<{ entry: Entry }>(sql.logAfter, [afterSeq, limit]);
      return rows.map((r) => r.entry);
    },

    headSeq: async () => {
      const row = await one<{ seq: string }>(sql.head);
      if (!row) throw invariantFailed('log_head has no row: run the migrations');
      return toNumber(row.seq);
    },

    getAd: async (id) => {
      const row = await one<{ data: Ad; expired: boolean }>(sql.getAd, [id]);
      return row && { ad: row.data, expired: row.expired };
    },

    expiredAds: async (after, limit) =>
      (
        await pool.query<{ data: Ad }>(sql.expiredAds, [after?.createdAt ?? null, after?.id ?? null, limit])
      ).rows.map((r) => r.data),

    latestSnapshotInfo: async () => {
      const row = await one<{ seq: string; taken_at: string }>(sql.latestSnapshotInfo);
      return row && { seq: toNumber(row.seq), takenAt: toNumber(row.taken_at) };
    },

    latestSnapshot: async () => {
      const row = await one<{ seq: string; data: string }>(sql.latestSnapshot);
      return row && ({ seq: toNumber(row.seq), data: row.data } satisfies StoredSnapshot);
    },

    // One transaction, one INSERT per part as it arrives: no statement carries the whole state.
    saveSnapshot: async (snapshot, keep) => {
      if (await one(sql.hasSnapshot, [snapshot.seq])) return;
      await inTransaction(pool, async (client) => {
        let part = 0;
        for await (const data of partsOf(snapshot.data))
          await client.query(sql.insertPart, [snapshot.seq, part++, data]);
        await client.query(sql.insertSnapshot, [snapshot.seq, part]);
        await client.query(sql.pruneSnapshots, [Math.max(1, keep)]);
        await client.query(sql.pruneParts);
      });
    },

    close: () => Promise.resolve(),
  };
  return aroundStore(store, (_write, call) => mapStoreErrors(call));
}
