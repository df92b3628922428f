import { createStore } from './reads.js';
import type { Options } from './run.js';

/**
 * One adsm process (one worker) on a fresh store of its own (`createStore`: a temporary
 * `DATA_DIR`, or with `--replicated` a fresh Postgres database and Redis prefix), once ready;
 * with extra environment (a `--variant`) or another build's `main.js` (`--baseline-dist`).
 * `done()` stops it and drops the store.
 */
export async function startOnFreshStore(
  o: Options,
  extraEnv: Readonly<Record<string, string>> = {},
  /** Another build's `main.js` to start instead of `dist/main.js`. */
  script?: string,
) {
  const store = await createStore(o, extraEnv, script);
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
