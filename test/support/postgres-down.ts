import { createServer } from 'node:net';
import pg from 'pg';
import { expect } from 'vitest';

/** A local port nothing listens on (free a moment ago): a connection to it is refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  await new Promise((resolve) => server.close(resolve));
  return address.port;
}

/**
 * Makes the calls of `calls` on a pool of `databaseUrl` moved to a port where nothing listens,
 * and expects every one of them to reject with 503 `store_unavailable`.
 */
export async function expectEveryCallUnavailable(
  databaseUrl: string,
  calls: (pool: pg.Pool) => Promise<unknown>[],
): Promise<void> {
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(await closedPort());
  const down = new pg.Pool({ connectionString: url.toString(), max: 1 });
  down.on('error', () => undefined);
  try {
    const results = await Promise.allSettled(calls(down));
    for (const result of results) {
      expect(result.status).toBe('rejected');
      if (result.status === 'rejected')
        expect(result.reason).toMatchObject({ code: 'store_unavailable', status: 503 });
    }
  } finally {
    await down.end();
  }
}
