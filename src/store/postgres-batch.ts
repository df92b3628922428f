/**
 * The SQL of one group commit in two round trips, which is all a batch holds the `log_head` row
 * lock for: (1) `BEGIN`, the row lock, then the context (head, tail, stored rows, clock) in a
 * statement of its own; (2) every entry's log row, the head, the ads-table changes and the
 * idempotency keys in one statement, then `COMMIT`. Each is one simple-protocol message of
 * several statements (the extended protocol takes one statement per round trip, and `pg` does not
 * pipeline), so values are written into the text as literals: integers checked to be safe
 * integers, strings quoted by `pg.escapeLiteral`. In a multi-statement message Postgres gives
 * every statement a fresh snapshot under READ COMMITTED (the context sees what the previous lock
 * holder committed), and stops at the first error, so a failed write never reaches its `COMMIT`.
 */
import pg from 'pg';
import { invariantFailed } from '../model/errors.js';
import type { Entry } from '../statemachine/entries.js';
import { IDEMPOTENCY_KEY_TTL_MS } from './store.js';

export interface BatchTables {
  readonly ads: string;
  readonly log: string;
  readonly logHead: string;
  readonly keys: string;
}

const int = (n: number): string => {
  if (!Number.isSafeInteger(n)) throw invariantFailed(`${n} is not a safe integer`);
  return String(n);
};
/** A NUL would end the message's text early; Postgres refuses it in text anyway. */
const text = (s: string): string => {
  if (s.includes('\u0000')) throw new Error('text values cannot contain NUL');
  return pg.escapeLiteral(s);
};
const json = (value: unknown): string => `${text(JSON.stringify(value))}::json`;

/**
 * Round trip 1: opens the transaction, takes the row lock, then reads the context in a new
 * statement (a snapshot taken after the grant). Its last result has one row: `head`, `tail`
 * (entries after `afterSeq`, in order), `stored` (rows of `adIds`) and `now` (epoch ms:
 * `clock_timestamp()`, the time after the lock was granted, not `now()`, the time of `BEGIN`).
 */
export function openBatchSql(t: BatchTables, afterSeq: number, adIds: readonly string[]): string {
  const ids = adIds.length === 0 ? 'ARRAY[]::text[]' : `ARRAY[${adIds.map(text).join(', ')}]::text[]`;
  return `BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT seq FROM ${t.logHead} WHERE id = 1 FOR UPDATE;
SELECT h.seq AS head,
  (SELECT coalesce(json_agg(l.entry ORDER BY l.seq), '[]'::json) FROM ${t.log} l
    WHERE l.seq > ${int(afterSeq)} AND l.seq <= h.seq) AS tail,
  (SELECT coalesce(json_agg(a.data), '[]'::json) FROM ${t.ads} a WHERE a.id = ANY(${ids})) AS stored,
  floor(extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now
FROM ${t.logHead} h WHERE h.id = 1`;
}

/** The ad an entry changes in the ads table. */
const adOf = (e: Entry): string => (e.type === 'create' || e.type === 'update' ? e.ad.id : e.id);

/**
 * Round trip 2: the whole batch as one statement followed by `COMMIT`, or `undefined` when one
 * statement cannot express it: a data-modifying CTE may touch a row only once, so a batch that
 * changes one ad twice, or stores one idempotency key twice, is written entry by entry instead.
 */
export function writeBatchSql(t: BatchTables, entries: readonly Entry[]): string | undefined {
  const last = entries.at(-1);
  if (!last) return undefined;
  const ids = new Set(entries.map(adOf));
  const stamps = entries.flatMap((e) =>
    e.type === 'create' && e.idempotency ? [{ e, ...e.idempotency }] : [],
  );
  if (ids.size !== entries.length || new Set(stamps.map((s) => s.key)).size !== stamps.length)
    return undefined;

  const upserts: string[] = [];
  const deletes: string[] = [];
  const expires: string[] = [];
  for (const e of entries) {
    if (e.type === 'create' || e.type === 'update') {
      upserts.push(`(${text(e.ad.id)}, ${json(e.ad)}, ${int(e.ad.endAt)}, ${int(e.ad.version)}, false)`);
    } else if (e.type === 'delete') {
      deletes.push(text(e.id));
    } else if (e.type === 'expire') {
      expires.push(`(${text(e.id)}, ${int(e.version)})`);
    }
  }
  const rows = entries.map((e) => `(${int(e.seq)}, ${json(e)}, ${int(e.at)})`);
  const ctes = [
    `appended AS (INSERT INTO ${t.log} (seq, entry, at) VALUES ${rows.join(', ')})`,
    `advanced AS (UPDATE ${t.logHead} SET seq = ${int(last.seq)} WHERE id = 1)`,
  ];
  if (upserts.length > 0)
    ctes.push(`upserted AS (INSERT INTO ${t.ads} (id, data, end_at, version, expired) VALUES ${upserts.join(', ')}
      ON CONFLICT (id) DO UPDATE SET
        data = excluded.data, end_at = excluded.end_at, version = excluded.version, expired = false)`);
  if (deletes.length > 0) ctes.push(`deleted AS (DELETE FROM ${t.ads} WHERE id IN (${deletes.join(', ')}))`);
  if (expires.length > 0)
    ctes.push(`expired AS (UPDATE ${t.ads} a SET expired = true FROM (VALUES ${expires.join(', ')}) AS x(id, version)
      WHERE a.id = x.id AND a.version = x.version)`);
  if (stamps.length > 0) {
    const keyRows = stamps.map(
      (s) => `(${text(s.key)}, ${text(s.fingerprint)}, ${text(s.e.ad.id)}, ${int(s.e.at)})`,
    );
    const newest = Math.max(...stamps.map((s) => s.e.at));
    ctes.push(
      `keyed AS (INSERT INTO ${t.keys} (key, fingerprint, ad_id, at) VALUES ${keyRows.join(', ')}
        ON CONFLICT (key) DO UPDATE SET
          fingerprint = excluded.fingerprint, ad_id = excluded.ad_id, at = excluded.at)`,
      `pruned AS (DELETE FROM ${t.keys} WHERE at < ${int(newest - IDEMPOTENCY_KEY_TTL_MS)}
        AND key <> ALL(ARRAY[${stamps.map((s) => text(s.key)).join(', ')}]::text[]))`,
    );
  }
  return `WITH ${ctes.join(',\n')}\nSELECT 1;\nCOMMIT`;
}
