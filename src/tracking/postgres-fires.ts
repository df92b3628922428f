/**
 * First fires in Postgres (`tracking_fired`, `migrations/0004_tracking_urls.sql`), settled inside
 * a flush transaction: the chunks the fires touch are created if missing, locked in one order
 * (every flush sorts them alike, so concurrent flushes of several replicas never deadlock), read,
 * marked and written back. What the transaction marks commits with the sums it adds.
 */
import type pg from 'pg';
import { CHUNK_BYTES, chunkId, chunksOf, keepUntil, markFires, type FireRecord } from './fires.js';

const trimmed = (bits: Uint8Array): Buffer => {
  let end = bits.length;
  while (end > 0 && bits[end - 1] === 0) end--;
  return Buffer.from(bits.buffer, bits.byteOffset, end);
};

/** Marks `fires` in `table` within the transaction of `client`; whether each one counted. */
export async function settleFires(
  client: pg.ClientBase,
  table: string,
  fires: readonly FireRecord[],
): Promise<boolean[]> {
  const keys = chunksOf(fires);
  const cols = [
    keys.map((k) => k.signer),
    keys.map((k) => k.hour),
    keys.map((k) => k.kind),
    keys.map((k) => k.chunk),
  ];
  await client.query(
    `INSERT INTO ${table} (signer, hour, kind, chunk, bits, keep_until)
       SELECT s, h, k, c, '\\x'::bytea, 0
       FROM unnest($1::bigint[], $2::int[], $3::smallint[], $4::int[]) WITH ORDINALITY AS u(s, h, k, c, o)
       ORDER BY o
     ON CONFLICT DO NOTHING`,
    cols,
  );
  const { rows } = await client.query<{
    signer: string;
    hour: number;
    kind: number;
    chunk: number;
    bits: Buffer;
  }>(
    `SELECT signer, hour, kind, chunk, bits FROM ${table}
     WHERE (signer, hour, kind, chunk) IN (SELECT * FROM unnest($1::bigint[], $2::int[], $3::smallint[], $4::int[]))
     ORDER BY signer, hour, kind, chunk
     FOR UPDATE`,
    cols,
  );
  const chunks = new Map<string, Uint8Array>();
  for (const r of rows) {
    const bits = new Uint8Array(CHUNK_BYTES);
    bits.set(r.bits.subarray(0, CHUNK_BYTES));
    chunks.set(
      chunkId({ signer: Number(r.signer), hour: r.hour, kind: r.kind as 0 | 1, chunk: r.chunk }),
      bits,
    );
  }
  const fresh = markFires(fires, chunks);
  const until = keepUntil(fires);
  await client.query(
    `UPDATE ${table} AS f SET bits = u.b, keep_until = greatest(f.keep_until, u.ku)
     FROM unnest($1::bigint[], $2::int[], $3::smallint[], $4::int[], $5::bytea[], $6::bigint[]) AS u(s, h, k, c, b, ku)
     WHERE f.signer = u.s AND f.hour = u.h AND f.kind = u.k AND f.chunk = u.c`,
    [...cols, keys.map((k) => trimmed(chunks.get(chunkId(k))!)), keys.map((k) => until.get(chunkId(k)) ?? 0)],
  );
  return fresh;
}
