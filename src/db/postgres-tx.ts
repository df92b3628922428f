import type pg from 'pg';
import { isConnectionError } from './postgres-errors.js';

/**
 * Runs `fn` inside one READ COMMITTED transaction on one client borrowed from `pool`, and commits
 * when it resolves. On any throw it rolls back and rethrows the original error. The client always
 * goes back to the pool; one whose connection failed (an `error` event, or a failed ROLLBACK) is
 * destroyed instead of reused.
 *
 * READ COMMITTED is required, not just the default: every statement takes a fresh snapshot, so a
 * statement that runs after a row lock was granted sees everything its previous holder committed.
 */
export function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return inOwnTransaction(pool, async (client) => {
    await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  });
}

/**
 * `inTransaction` for a caller that sends `BEGIN` and `COMMIT` itself, each in a message with
 * other statements (one round trip fewer each). On any throw it rolls back (a no-op when no
 * transaction is open) and rethrows; the client is released as by `inTransaction`.
 */
export async function inOwnTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // A checked-out client has no pool listener; an unhandled `error` event would end the process.
  const onError = (err: Error): void => void (broken ??= err);
  client.on('error', onError);
  const release = (err?: Error): void => {
    client.off('error', onError);
    client.release(err ?? broken);
  };
  try {
    const result = await fn(client);
    release();
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
      // A connection that met an outage (a read-only server after a failover, a server shutting
      // down) is not kept: the next one is made afresh, to wherever the database now is.
      release(isConnectionError(err) ? (err as Error) : undefined);
    } catch (rollbackErr) {
      release(rollbackErr instanceof Error ? rollbackErr : new Error('ROLLBACK failed'));
    }
    throw err;
  }
}
