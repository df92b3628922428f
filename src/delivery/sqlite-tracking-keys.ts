/**
 * Tracking keys in the embedded tracking file (`DATA_DIR/tracking.sqlite`, migrations in
 * `migrations/sqlite/tracking/`): the secret in the one row of `tracking_secret`, signer ids
 * from the AUTOINCREMENT of `tracking_signers` (never reused).
 */
import { openSqlite } from '../db/sqlite-connection.js';
import { migrateSqlite } from '../db/sqlite-migrate.js';
import { SQLITE_TRACKING_MIGRATIONS_DIR } from '../tracking/sqlite-tracking-store.js';
import type { TrackingKeys } from './tracking-keys.js';

export function createSqliteTrackingKeys(deps: { readonly filename: string }): TrackingKeys {
  const db = openSqlite(deps.filename);
  migrateSqlite(db, SQLITE_TRACKING_MIGRATIONS_DIR);
  const put = db.prepare<[string]>(
    'INSERT INTO tracking_secret (id, secret) VALUES (1, ?) ON CONFLICT DO NOTHING',
  );
  const get = db.prepare<[], { secret: string }>('SELECT secret FROM tracking_secret WHERE id = 1');
  const signer = db.prepare<[number]>('INSERT INTO tracking_signers (started_at) VALUES (?)');
  const secretTx = db.transaction((candidate: string) => {
    put.run(candidate);
    return get.get()!.secret;
  });
  return {
    secret: (candidate) => Promise.resolve(secretTx.immediate(candidate)),
    newSigner: () => Promise.resolve(Number(signer.run(Date.now()).lastInsertRowid)),
    close: () => Promise.resolve(void (db.open && db.close())),
  };
}
