/**
 * Tracking keys in Postgres (`migrations/0004_tracking_urls.sql`): the secret in the one row of
 * `tracking_secret`, signer ids from the `tracking_signers` sequence.
 */
import pg from 'pg';
import type { TrackingKeys } from './tracking-keys.js';

export function createPostgresTrackingKeys(deps: {
  /** Borrowed: `close()` leaves it open. */
  readonly pool: pg.Pool;
  readonly schema?: string | undefined;
}): TrackingKeys {
  const { pool, schema } = deps;
  const t = (name: string) => (schema === undefined ? name : `${pg.escapeIdentifier(schema)}.${name}`);
  return {
    async secret(candidate) {
      await pool.query(
        `INSERT INTO ${t('tracking_secret')} (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`,
        [candidate],
      );
      // A statement of its own: its snapshot holds the row of whichever insert committed first.
      const { rows } = await pool.query<{ secret: string }>(
        `SELECT secret FROM ${t('tracking_secret')} WHERE id = 1`,
      );
      return rows[0]!.secret;
    },
    async newSigner() {
      const literal = pg.escapeLiteral(t('tracking_signers'));
      const { rows } = await pool.query<{ n: string }>(`SELECT nextval(${literal}) AS n`);
      return Number(rows[0]!.n);
    },
    close: () => Promise.resolve(),
  };
}
