import { createStore } from './reads.js';
import type { Options } from './run.js';

/**
 * One adsm process (one worker) on a fresh store of its own (`createStore`: a temporary
 * `DATA_DIR`, or with `--replicated` a fresh Postgres database and Redis prefix), once ready.
 * `done()` stops it and drops the store.
 */
export async function startOnFreshStore(o: Options) {
  const store = await createStore(o);
  try {
    const { server } = await store.start(1);
    return {
      server,
      cluster: store.cluster,
      done: async (): Promise<void> => {
        await server.stop('SIGTERM');
        await store.drop();
      },
    };
  } catch (err) {
    await store.drop();
    throw err;
  }
}
