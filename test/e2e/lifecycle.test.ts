import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from './cluster.js';
import { freePort, startServer, tempDir, type Server } from './process.js';

/**
 * How a replica leaves and joins, as a balancer or an orchestrator sees it: the operators' port
 * (METRICS_PORT), the drain on SIGTERM (DRAIN_MS), the exit status of a start-up that cannot
 * reach Postgres, with one process and with several workers.
 */

const TOKEN = 'lifecycle-admin-token-0123456789';
const dirs: ReturnType<typeof tempDir>[] = [];
afterAll(() => {
  for (const d of dirs) d.remove();
});
const dataDir = () => {
  const d = tempDir();
  dirs.push(d);
  return d.path;
};

/** Status of GET `url`, 0 when the connection is refused. */
const status = (url: string) =>
  fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } }).then(
    (r) => r.status,
    () => 0,
  );
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the operators’ port', () => {
  it('serves /healthz, /readyz and /metrics on METRICS_PORT, and /metrics no longer on the public port', async () => {
    const metricsPort = await freePort();
    const server = await startServer({ env: { DATA_DIR: dataDir(), METRICS_PORT: String(metricsPort) } });
    try {
      const ops = `http://127.0.0.1:${metricsPort}`;
      expect(await status(`${ops}/healthz`)).toBe(200);
      expect(await status(`${ops}/readyz`)).toBe(200);
      const metrics = await fetch(`${ops}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toMatch(/^adsm_ready 1$/m);
      expect(await status(`${server.url}/metrics`)).toBe(404);
      expect(await status(`${server.url}/readyz`)).toBe(200);
    } finally {
      expect(await server.stop(), server.output()).toBe(0);
    }
  });
});

describe('leaving: SIGTERM with DRAIN_MS', () => {
  const cluster = new Cluster(5, { ADMIN_TOKEN: TOKEN, FLUSH_INTERVAL_MS: '10000' });
  let a: Server;
  let b: Server;
  let metricsPort: number;
  beforeAll(async () => {
    await cluster.setup();
    metricsPort = await freePort();
    [a, b] = await Promise.all([
      cluster.start({
        readyTimeoutMs: 90_000,
        env: { DRAIN_MS: '1500', METRICS_PORT: String(metricsPort), DATA_DIR: dataDir() },
      }),
      cluster.start({ readyTimeoutMs: 90_000, env: { DATA_DIR: dataDir() } }),
    ]);
  });
  afterAll(() => cluster.teardown());

  it('says not ready at once, keeps serving for the drain, stores its events, then exits 0', async () => {
    const created = await fetch(`${a.url}/api/v1/ad`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({
        title: 'drained',
        startAt: '2026-01-01T00:00:00Z',
        endAt: '2099-01-01T00:00:00Z',
      }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const events = await fetch(`${a.url}/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'impression', adId: id, count: 7 }),
    });
    expect(events.status).toBe(202);

    const signalled = performance.now();
    a.child.kill('SIGTERM');
    const ops = `http://127.0.0.1:${metricsPort}`;
    let notReadyAfter = -1;
    while (performance.now() - signalled < 1000) {
      if ((await status(`${ops}/readyz`)) === 503) {
        notReadyAfter = performance.now() - signalled;
        break;
      }
      await sleep(20);
    }
    expect(notReadyAfter, a.output()).toBeGreaterThanOrEqual(0);
    expect(await status(`${a.url}/readyz`)).toBe(503);
    // Still serving while the balancer takes it out of rotation.
    expect(await status(`${a.url}/api/v1/ad/${id}`)).toBe(200);
    expect(await status(`${a.url}/api/v1/ad?limit=1`)).toBe(200);
    expect(await a.exited, a.output()).toBe(0);
    expect(performance.now() - signalled).toBeGreaterThanOrEqual(1400);
    // Stored on the way out: the other replica sees the events long before its next flush.
    const stats = await fetch(`${b.url}/api/v1/ad/${id}/stats`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(((await stats.json()) as { impressions: { '1d': number } }).impressions['1d']).toBe(7);
  });
});

describe('start-up with Postgres unreachable', () => {
  // Takes connections and never answers, as a Postgres behind a dead network path: each
  // connection attempt waits for its timeout (3 s) before start-up gives up.
  const held = new Set<Socket>();
  const silent = createServer((socket) => {
    held.add(socket);
    socket.on('error', () => undefined);
  });
  beforeAll(() => new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve)));
  afterAll(() => {
    for (const socket of held) socket.destroy();
    silent.close();
  });

  const unreachable = async (workers: string, metricsPort?: number) => {
    const closed = (silent.address() as AddressInfo).port;
    return startServer({
      waitReady: false,
      env: {
        DATABASE_URL: `postgres://postgres@127.0.0.1:${closed}/adsm`,
        REDIS_URL: 'redis://127.0.0.1:6379/5',
        REDIS_PREFIX: 'lifecycle-unreachable',
        WORKERS: workers,
        DATA_DIR: dataDir(),
        ...(metricsPort ? { METRICS_PORT: String(metricsPort) } : {}),
      },
    });
  };

  it('one process: alive but not ready on the operators’ port, the public port closed, then exit 1', async () => {
    const metricsPort = await freePort();
    const server = await unreachable('1', metricsPort);
    try {
      const ops = `http://127.0.0.1:${metricsPort}`;
      let seen = false;
      while (server.exitStatus() === undefined && !seen) {
        if ((await status(`${ops}/healthz`)) === 200) {
          expect(await status(`${ops}/readyz`)).toBe(503);
          // Takes no connection before it is ready: a balancer never sends it a request early.
          expect(await status(`${server.url}/readyz`)).toBe(0);
          seen = true;
        } else await sleep(50);
      }
      expect(seen, server.output()).toBe(true);
      expect(await server.exited, server.output()).toBe(1);
    } finally {
      await server.stop('SIGKILL');
    }
  });

  it('several workers: the supervisor exits non-zero too, so a process manager restarts it', async () => {
    const server = await unreachable('2');
    const timeout = sleep(60_000).then(() => 'still running');
    const result = await Promise.race([server.exited, timeout]);
    await server.stop('SIGKILL');
    expect(result, server.output()).toBe(1);
  });
});
