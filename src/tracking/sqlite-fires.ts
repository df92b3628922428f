/**
 * First fires in SQLite (`tracking_fired`, `migrations/sqlite/tracking/0002_tracking_urls.sql`),
 * settled inside a flush transaction (the caller's IMMEDIATE transaction holds the file's write
 * lock): each chunk the fires touch is read, marked and written back with the sums.
 */
import type { Database } from 'better-sqlite3';
import { CHUNK_BYTES, chunkId, chunksOf, keepUntil, markFires, type FireRecord } from './fires.js';

export function createSqliteFires(db: Database) {
  const get = db.prepare<[number, number, number, number], { bits: Buffer }>(
    'SELECT bits FROM tracking_fired WHERE signer = ? AND hour = ? AND kind = ? AND chunk = ?',
  );
  const put = db.prepare<[number, number, number, number, Buffer, number]>(
    `INSERT INTO tracking_fired (signer, hour, kind, chunk, bits, keep_until) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT DO UPDATE SET bits = excluded.bits, keep_until = max(keep_until, excluded.keep_until)`,
  );
  const prune = db.prepare<[number]>('DELETE FROM tracking_fired WHERE keep_until < ?');

  return {
    /** Marks `fires`; whether each one counted. Call inside a write transaction. */
    settle(fires: readonly FireRecord[]): boolean[] {
      const keys = chunksOf(fires);
      const chunks = new Map<string, Uint8Array>();
      for (const k of keys) {
        const bits = new Uint8Array(CHUNK_BYTES);
        const row = get.get(k.signer, k.hour, k.kind, k.chunk);
        if (row) bits.set(row.bits.subarray(0, CHUNK_BYTES));
        chunks.set(chunkId(k), bits);
      }
      const fresh = markFires(fires, chunks);
      const until = keepUntil(fires);
      for (const k of keys) {
        const bits = chunks.get(chunkId(k))!;
        let end = bits.length;
        while (end > 0 && bits[end - 1] === 0) end--;
        put.run(
          k.signer,
          k.hour,
          k.kind,
          k.chunk,
          Buffer.from(bits.buffer, 0, end),
          until.get(chunkId(k)) ?? 0,
        );
      }
      return fresh;
    },
    prune(before: number): void {
      prune.run(before);
    },
  };
}
