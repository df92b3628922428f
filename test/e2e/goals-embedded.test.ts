import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from './cluster.js';
import { createAd, decisionLoad, eventually, settled, statusOn } from './goals-load.js';
import { startServer, tempDir, type Server } from './process.js';

const BLOCK = 10;

describe('impressions goals in embedded mode, as a process', () => {
  const dir = tempDir();
  const env = { DATA_DIR: dir.path, RESERVATION_BLOCK: String(BLOCK), LOG_LEVEL: 'warn' };
  let server: Server;

  beforeAll(async () => {
    server = await startServer({ env });
  });
  afterAll(async () => {
    await server.stop('SIGKILL');
    dir.remove();
  });

  it('a goal is served exactly under concurrent decisions, then the ad is completed', async () => {
    const id = await createAd(server, { impressions: 200 });
    const load = decisionLoad(() => [server], 16, 2);
    await settled(load.served, [id], 2000, 60_000);
    await load.stop();
    expect(load.served.get(id)).toBe(200);
    expect(await eventually(async () => (await statusOn(server, id)) === 'completed', 10_000)).toBe(true);
  });

  it('kill -9 and a restart on the same DATA_DIR: grants are not given twice, served stays within the goal', async () => {
    const id = await createAd(server, { impressions: 300 });
    let current: Server[] = [server];
    const load = decisionLoad(() => current, 16, 1);
    while ((load.served.get(id) ?? 0) < 100) await sleep(10);
    // Killed with requests in flight: a decision made in its last turn, whose answer never left the
    // process, is spent from its block without reaching the client (at most one per request pending).
    const killed = server;
    current = [];
    const inFlight = load.pending(killed);
    await killed.stop('SIGKILL');
    server = await startServer({ env });
    current = [server];
    await settled(load.served, [id], 2000, 60_000);
    await load.stop();
    const served = load.served.get(id) ?? 0;
    expect(served).toBeLessThanOrEqual(300);
    expect(served).toBeGreaterThanOrEqual(300 - BLOCK - inFlight);
    const report = (await (await fetch(`${server.url}/api/v1/ad/${id}/delivery`)).json()) as {
      served: { total: number };
    };
    // What the killed process served in its last second was never stored: the report can be short of it.
    expect(report.served.total).toBeLessThanOrEqual(served);
  });
});
