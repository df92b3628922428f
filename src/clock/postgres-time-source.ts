/**
 * The store's clock in replicated mode: Postgres's `clock_timestamp()` (the server's time when
 * the statement runs, not the transaction's start), read on a pooled connection. The round trip
 * is timed once the connection is held, so a wait for a free connection is not taken for
 * network delay.
 */
import type pg from 'pg';
import type { TimeSample, TimeSource } from './synced-clock.js';

const NOW_MS = 'SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms';

export function createPostgresTimeSource(deps: {
  readonly pool: pg.Pool;
  readonly monotonic?: () => number;
}): TimeSource {
  const monotonic = deps.monotonic ?? (() => performance.now());
  return {
    async sample(): Promise<TimeSample> {
      const client = await deps.pool.connect();
      let failed: Error | undefined;
      try {
        const sentAt = monotonic();
        const { rows } = await client.query<{ ms: number }>(NOW_MS);
        const receivedAt = monotonic();
        return { reference: Number(rows[0]?.ms), sentAt, receivedAt };
      } catch (err) {
        failed = err instanceof Error ? err : new Error(String(err));
        throw err;
      } finally {
        client.release(failed);
      }
    },
  };
}
