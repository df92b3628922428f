/**
 * `npm run drill`: replicas join and leave a cluster under a constant request rate, with no
 * failed request. Replicas are processes (each on its own loopback address, same port), found
 * through a small DNS server by the name `adsm`, behind Debian's nginx running the compose file's
 * `deploy/nginx.conf`. Phases: two replicas; a third joins; one leaves (SIGTERM); each of the
 * others is restarted in turn (a rolling upgrade). Then every acknowledged create must be on
 * every replica, and every acknowledged impression in every replica's stats.
 *
 * Exit status 0 when all of that holds. Own Postgres database, Redis prefix, ports and temp
 * folders; everything it started is stopped at the end.
 * Settings: DRILL_RATE (requests/s, default 50), DRILL_PHASE_SECONDS (default 10).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from '../../test/e2e/cluster.js';
import { freePort, ROOT, type Server } from '../../test/e2e/process.js';
import { startNameServer } from './dns.js';
import { quantile, startLoad, type Outcome } from './load.js';
import { startNginx } from './nginx.js';

const RATE = Number(process.env.DRILL_RATE ?? 50);
const PHASE_MS = Number(process.env.DRILL_PHASE_SECONDS ?? 10) * 1000;
const TOKEN = 'drill-admin-token-0123456789';
const DRAIN_MS = 3000;
const FLUSH_INTERVAL_MS = 500;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => process.stdout.write(`[${new Date().toISOString().slice(11, 23)}] ${msg}\n`);

/** A port free on every one of `hosts`. */
async function portFreeOn(hosts: string[]): Promise<number> {
  const tryListen = (host: string, port: number) =>
    new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, host, () => srv.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freePort();
    let free = true;
    for (const h of hosts) free = free && (await tryListen(h, port));
    if (free) return port;
  }
  throw new Error('no port free on every replica address');
}

interface Slot {
  readonly host: string;
  readonly dataDir: string;
  server?: Server;
}

async function main(): Promise<number> {
  const tmp = mkdtempSync(join(tmpdir(), 'adsm-drill-'));
  const cluster = new Cluster(4, {
    ADMIN_TOKEN: TOKEN,
    FLUSH_INTERVAL_MS: String(FLUSH_INTERVAL_MS),
    DRAIN_MS: String(DRAIN_MS),
  });
  const dns = await startNameServer('adsm');
  const slots: Slot[] = [0, 1, 2].map((i) => ({
    host: `127.0.0.${11 + i}`,
    dataDir: join(tmp, `replica-${i}`),
  }));
  const port = await portFreeOn(slots.map((s) => s.host));
  let metricsPort = await portFreeOn(slots.map((s) => s.host));
  while (metricsPort === port) metricsPort = await portFreeOn(slots.map((s) => s.host));
  // The name lists the replicas whose /readyz says 200, checked every 250 ms on their operators'
  // port, as Kubernetes' endpoints follow readiness probes.
  const rotation = new Set<string>();
  const probe = setInterval(() => {
    void Promise.all(
      slots.map(async (slot) => {
        const ok =
          slot.server !== undefined &&
          (await fetch(`http://${slot.host}:${metricsPort}/readyz`, {
            signal: AbortSignal.timeout(1000),
          }).then(
            (r) => r.status === 200,
            () => false,
          ));
        return [slot.host, ok] as const;
      }),
    ).then((states) => {
      let changed = false;
      for (const [host, ok] of states) {
        if (ok !== rotation.has(host)) {
          changed = true;
          if (ok) rotation.add(host);
          else rotation.delete(host);
          log(`${host} ${ok ? 'ready: in rotation' : 'not ready: out of rotation'}`);
        }
      }
      if (changed) dns.set([...rotation]);
    });
  }, 250);
  const exits: { slot: number; status: number | string }[] = [];
  let nginx: Awaited<ReturnType<typeof startNginx>> | undefined;
  let keep = false;
  const outputs: string[] = [];

  const start = async (i: number) => {
    const slot = slots[i]!;
    mkdirSync(slot.dataDir, { recursive: true });
    const t0 = performance.now();
    slot.server = await cluster.start({
      host: slot.host,
      port,
      env: { DATA_DIR: slot.dataDir, METRICS_PORT: String(metricsPort) },
    });
    log(`replica ${i} (${slot.host}) ready in ${Math.round(performance.now() - t0)} ms`);
  };
  const stop = async (i: number) => {
    const slot = slots[i]!;
    const t0 = performance.now();
    const status = await slot.server!.stop('SIGTERM');
    exits.push({ slot: i, status });
    outputs.push(`--- replica ${i} (${slot.host}), exit ${status}\n${slot.server!.output()}`);
    log(
      `replica ${i} (${slot.host}) stopped by SIGTERM: exit ${status} after ${Math.round(performance.now() - t0)} ms`,
    );
    cluster.replicas.splice(cluster.replicas.indexOf(slot.server!), 1);
    slot.server = undefined;
  };

  try {
    await cluster.setup();
    await Promise.all([start(0), start(1)]);
    while (rotation.size < 2) await sleep(50);
    mkdirSync(join(tmp, 'nginx'));
    nginx = await startNginx({
      configFile: join(ROOT, 'deploy/nginx.conf'),
      dir: join(tmp, 'nginx'),
      port: await freePort(),
      resolverPort: dns.port,
      upstreamPort: port,
    });
    log(`nginx on ${nginx.url}, resolver on udp 127.0.0.1:${dns.port}, replicas on port ${port}`);
    const load = startLoad({
      url: nginx.url,
      rate: RATE,
      adminToken: TOKEN,
      createShare: 0.15,
      eventShare: 0.2,
      timeoutMs: 60_000,
    });
    const phase = (name: string) => {
      load.phase = name;
      log(`phase: ${name}`);
    };
    phase('2 replicas');
    await sleep(PHASE_MS);
    phase('3rd joins');
    await start(2);
    await sleep(PHASE_MS);
    phase('1 leaves (SIGTERM)');
    await stop(1);
    await sleep(PHASE_MS);
    phase('rolling restart');
    for (const i of [0, 2]) {
      await stop(i);
      await start(i);
      await sleep(PHASE_MS / 2);
    }
    phase('steady');
    await sleep(PHASE_MS / 2);
    await load.stop();

    const report = summarize(load.outcomes);
    log(`load stopped: ${load.outcomes.length} requests, ${load.skipped()} not sent (too many in flight)`);
    process.stdout.write(`\n${report.table}\n`);
    const problems: string[] = [];
    if (report.failed.length > 0) {
      problems.push(`${report.failed.length} failed requests through nginx`);
      for (const f of report.failed.slice(0, 10)) process.stdout.write(`  failed: ${JSON.stringify(f)}\n`);
    }
    if (load.skipped() > 0)
      problems.push(`${load.skipped()} requests not sent: the cluster fell behind the rate`);
    for (const e of exits)
      if (e.status !== 0) problems.push(`replica ${e.slot} exited ${e.status} on SIGTERM`);
    const live = slots.flatMap((s) => (s.server ? [s.server] : []));
    problems.push(...(await checkCreates(live, load.created)));
    problems.push(...(await checkImpressions(live, load.impressions)));
    log(
      `checked ${load.created.size} acknowledged creates and ${[...load.impressions.values()].reduce((a, b) => a + b, 0)} acknowledged impressions on ${live.length} replicas`,
    );
    if (problems.length > 0) {
      for (const p of problems) log(`FAILED: ${p}`);
      keep = true;
      return 1;
    }
    log('drill passed: 0 failed requests, every acknowledged write on every replica');
    return 0;
  } finally {
    clearInterval(probe);
    for (const [i, s] of slots.entries()) {
      if (!s.server) continue;
      const status = await s.server.stop('SIGTERM');
      outputs.push(`--- replica ${i} (${s.host}), exit ${status}\n${s.server.output()}`);
    }
    await nginx?.stop();
    await dns.close();
    await cluster.teardown();
    if (keep) {
      writeFileSync(join(tmp, 'replicas.log'), outputs.join('\n'));
      log(`kept for a look: ${tmp} (nginx/access.log, nginx/error.log, replicas.log)`);
    } else rmSync(tmp, { recursive: true, force: true });
  }
}

function summarize(outcomes: Outcome[]): { table: string; failed: Outcome[] } {
  const phases = [...new Set(outcomes.map((o) => o.phase))];
  const rows = phases.map((phase) => {
    const all = outcomes.filter((o) => o.phase === phase);
    const ms = all.map((o) => o.ms).sort((a, b) => a - b);
    const kinds = (k: string) => all.filter((o) => o.kind === k).length;
    return `| ${phase} | ${all.length} | ${kinds('read')} / ${kinds('create')} / ${kinds('event')} | ${all.filter((o) => !o.ok).length} | ${quantile(ms, 0.5).toFixed(1)} | ${quantile(ms, 0.99).toFixed(1)} | ${quantile(ms, 1).toFixed(0)} |`;
  });
  const table = [
    '| phase | requests | reads / creates / events | failed | p50 ms | p99 ms | max ms |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
  return { table, failed: outcomes.filter((o) => !o.ok) };
}

async function checkCreates(replicas: Server[], ids: Set<string>): Promise<string[]> {
  const problems: string[] = [];
  for (const r of replicas) {
    let missing = 0;
    const list = [...ids];
    for (let i = 0; i < list.length; i += 32) {
      const statuses = await Promise.all(
        list
          .slice(i, i + 32)
          .map((id) =>
            fetch(`${r.url}/api/v1/ad/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } }).then(
              (res) => res.status,
            ),
          ),
      );
      missing += statuses.filter((s) => s !== 200).length;
    }
    if (missing > 0) problems.push(`${missing} of ${ids.size} acknowledged creates missing on ${r.url}`);
  }
  return problems;
}

/** Every replica's stats show exactly the acknowledged impressions, once flushes are stored. */
async function checkImpressions(replicas: Server[], expected: Map<string, number>): Promise<string[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const wrong: string[] = [];
    for (const r of replicas) {
      for (const [id, count] of expected) {
        const res = await fetch(`${r.url}/api/v1/ad/${id}/stats`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        const got =
          res.status === 200
            ? ((await res.json()) as { impressions: { '1d': number } }).impressions['1d']
            : -1;
        if (got !== count) wrong.push(`${r.url} ad ${id}: ${got} impressions, ${count} acknowledged`);
      }
    }
    if (wrong.length === 0) return [];
    if (Date.now() > deadline)
      return [`${wrong.length} stats differ from what was acknowledged`, ...wrong.slice(0, 5)];
    await sleep(FLUSH_INTERVAL_MS * 2);
  }
}

process.exitCode = await main().catch((err: unknown) => {
  log(`drill could not run: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return 2;
});
