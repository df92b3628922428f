import { createServer, Socket, type Server as NetServer } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import type { Cluster } from './cluster.js';
import { tempDir } from './process.js';

/** Helpers of the tracking process tests: a load of event batches that keeps score, and a TCP proxy. */

export interface Score {
  /** Sum of counts answered 202 (accepted), per ad. */
  acked: Map<string, number>;
  /** Counts of requests that got no answer (cut by a crash), per ad. */
  unanswered: Map<string, number>;
  statuses: Map<number, number>;
}

const add = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);

/**
 * One worker per ad posting batches of `batch` events back to back until `stop()`: so at most
 * one request per ad is in flight when the server dies. Answers other than 202 count nothing.
 */
export function eventLoad(url: () => string, ads: readonly string[], batch = 20) {
  const score: Score = { acked: new Map(), unanswered: new Map(), statuses: new Map() };
  let running = true;
  const workers = ads.map(async (ad, w) => {
    let i = 0;
    while (running) {
      const count = 1 + ((w + i++) % 5);
      const body = Array.from({ length: batch }, () => ({ type: 'impression', adId: ad, count }));
      try {
        const res = await fetch(`${url()}/api/v1/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        score.statuses.set(res.status, (score.statuses.get(res.status) ?? 0) + 1);
        if (res.status === 202) {
          const answer = (await res.json()) as { accepted: number };
          add(score.acked, ad, answer.accepted * count);
        } else {
          await res.arrayBuffer();
          await new Promise((r) => setTimeout(r, 50));
        }
      } catch {
        add(score.unanswered, ad, batch * count);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });
  return {
    score,
    async stop(): Promise<Score> {
      running = false;
      await Promise.all(workers);
      return score;
    },
  };
}

/** A TCP proxy to `target` that can refuse every connection (and cut the open ones) for a while. */
export async function tcpProxy(targetPort: number, targetHost = '127.0.0.1') {
  const open = new Set<Socket>();
  let down = false;
  const server: NetServer = createServer((client) => {
    if (down) return client.destroy();
    const upstream = new Socket();
    open.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    upstream.connect(targetPort, targetHost, () => {
      client.pipe(upstream);
      upstream.pipe(client);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('proxy has no port');
  return {
    port: address.port,
    /** Cuts every open connection and refuses new ones until `up()`. */
    down() {
      down = true;
      for (const s of open) s.destroy();
      open.clear();
    },
    up() {
      down = false;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Stats of one ad: impressions of the 3-day window. */
export async function impressions3d(url: string, ad: string): Promise<number> {
  const res = await fetch(`${url}/api/v1/ad/${ad}/stats`);
  if (res.status !== 200) throw new Error(`stats ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { impressions: Record<string, number> }).impressions['3d']!;
}

/** Polls /metrics until the spool holds nothing not yet stored. */
export async function spoolDrained(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = await (await fetch(`${url}/metrics`)).text();
    if (/^adsm_spool_bytes 0$/m.test(text)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('spool not drained');
}

/**
 * A replica of `cluster` whose Postgres connections go through a `tcpProxy` (to cut them), with
 * a DATA_DIR of its own. Start it in `beforeAll` after `cluster.setup()`; `close()` after the
 * cluster's teardown.
 */
export async function replicaBehindProxy(cluster: Cluster, env: Record<string, string> = {}) {
  const dir = tempDir();
  const proxy = await tcpProxy(5432);
  const url = new URL(cluster.databaseUrl);
  url.port = String(proxy.port);
  const server = await cluster.start({ env: { ...env, DATA_DIR: dir.path, DATABASE_URL: url.toString() } });
  return {
    server,
    proxy,
    async close() {
      await proxy.close();
      dir.remove();
    },
  };
}

export type ReplicaBehindProxy = Awaited<ReturnType<typeof replicaBehindProxy>>;

/**
 * The set-up of a describe about a Postgres outage: `cluster` set up and one replica of it started
 * behind a TCP proxy to Postgres before its tests, both torn down after. Call inside `describe`;
 * the function it returns gives the replica and its proxy inside the tests.
 */
export function outageSetup(cluster: Cluster): () => ReplicaBehindProxy {
  let behind: ReplicaBehindProxy | undefined;
  beforeAll(async () => {
    await cluster.setup();
    behind = await replicaBehindProxy(cluster);
  });
  afterAll(async () => {
    await cluster.teardown();
    await behind?.close();
  });
  return () => {
    if (behind === undefined) throw new Error('the replica behind the proxy is not started');
    return behind;
  };
}
