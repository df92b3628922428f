import { join } from 'node:path';
import type { Logger } from 'pino';
import { openSpoolIn } from '../tracking/sqlite-spool.js';
import type { ReplicaAdapters } from './compose-replica.js';
import type { Config } from './config.js';
import { createEmbeddedAdapters } from './embedded.js';

export interface ModeAdapters extends ReplicaAdapters {
  /** Stops the adapters and closes the clients made for them (after the replica's `stop()`). */
  close(): Promise<void>;
}

/**
 * The adapters of the configured mode: embedded (SQLite under DATA_DIR, in-process log, lock,
 * timers) or replicated (Postgres and Redis, clients made here), plus this process's spool, the
 * first free `spool-<n>.sqlite` of SPOOL_DIR from the worker's own slot on.
 */
export async function createModeAdapters(
  config: Config,
  logger: Logger,
  workerIndex: number,
): Promise<ModeAdapters> {
  const spoolDir = config.SPOOL_DIR ?? join(config.DATA_DIR, 'spool');
  if (config.mode === 'embedded') {
    const adapters = createEmbeddedAdapters(config);
    try {
      return { ...adapters, spool: openSpoolIn(spoolDir, workerIndex) };
    } catch (err) {
      await adapters.close().catch(() => undefined);
      throw err;
    }
  }
  const { createReplicatedClients } = await import('./clients.js');
  const { createReplicatedAdapters } = await import('./replicated.js');
  const clients = createReplicatedClients(config, logger);
  try {
    const adapters = await createReplicatedAdapters(config, clients, logger);
    let spool;
    try {
      spool = openSpoolIn(spoolDir, workerIndex);
    } catch (err) {
      await adapters.close().catch(() => undefined);
      throw err;
    }
    return {
      ...adapters,
      spool,
      async close() {
        await adapters.close();
        await clients.close();
      },
    };
  } catch (err) {
    await clients.close().catch(() => undefined);
    throw err;
  }
}
