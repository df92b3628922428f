/**
 * Replication benchmark: adsm in replicated mode (Postgres + Redis), three replicas on this
 * machine, each `node dist/main.js` with WORKERS=1 and the quotas off.
 *
 *   npx tsx bench/replication.ts [--no-build] [--ads 100000] [--duration 10] [--probes 200]
 *
 * 1. Create latency and throughput through the HTTP API: `--duration` seconds with 4 requests in
 *    flight on each replica, then one sequential client.
 * 2. Convergence: `--probes` creates one at a time on rotating replicas; time until the two
 *    others report the write's seq in `adsm_applied_seq`.
 * 3. Redis wipe: FLUSHDB while every replica takes creates; time until writes made after it are
 *    applied everywhere, failed writes, and convergence to the Postgres head.
 * 4. Restart-to-ready with `--ads` ads written straight into Postgres: replaying the whole log,
 *    then from the snapshot written on SIGTERM; RSS, snapshot size, a checked query.
 *
 * Uses Postgres on 127.0.0.1:5432 (a fresh database per phase, dropped afterwards) and Redis db 9
 * on 127.0.0.1:6379 (flushed before and after). Before each phase it waits while another
 * benchmark (wrk, autocannon, bench/run.ts) runs (at most 10 minutes), then while other work keeps
 * the machine over 25% busy (at most 2 minutes); a phase that another benchmark overlapped is
 * reported as a problem. Results: bench/results/replication-<ts>.json. Exit status 1 on a problem.
 */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { writeResult } from './report.js';
import { printSummary, type Results } from './replication-print.js';
import { ROOT, waitReady, type ServerProcess } from './server-process.js';
import { BenchCluster, flushRedis, fmtSummary, waitQuiet, watchOthers } from './replication-cluster.js';
import { restartWithAds } from './replication-restart.js';
import { redisWipe } from './replication-wipe.js';
import { bodySource, convergenceProbes, writeLoad } from './replication-writes.js';

const { values: args } = parseArgs({
  options: {
    'no-build': { type: 'boolean', default: false },
    ads: { type: 'string', default: '100000' },
    duration: { type: 'string', default: '10' },
    probes: { type: 'string', default: '200' },
  },
});
const ADS = Number(args.ads);
const DURATION_S = Number(args.duration);
const PROBES = Number(args.probes);

const results: Results = {
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(),
    startedAt: new Date().toISOString(),
  },
  quiet: [],
  problems: [],
  replicaLogs: [],
};
const problem = (text: string) => {
  results.problems.push(text);
  console.log(`  PROBLEM: ${text}`);
};

/** The replicas of the phase running now, and those already reported as ended. */
const watched = new Set<ServerProcess>();
const reported = new Set<ServerProcess>();

/** Keeps the output tail of `server` in the results (once per server). */
function keepLog(server: ServerProcess): void {
  if (reported.has(server)) return;
  reported.add(server);
  const { name, pid } = server;
  results.replicaLogs.push({ name, pid, status: server.exitStatus(), tail: server.output().slice(-4_000) });
}

/** Reports every watched replica that has ended, with its exit status; keeps its output. */
function checkReplicas(phaseName: string): void {
  for (const s of watched) {
    const status = s.exitStatus();
    if (status === undefined || reported.has(s)) continue;
    problem(`${s.name} (pid ${s.pid}) ended with ${status} by the end of "${phaseName}"`);
    keepLog(s);
  }
}

/** Waits for a quiet machine, runs one phase and notes any other benchmark seen meanwhile. */
async function phase(name: string, run: () => Promise<void>, prepare?: () => Promise<void>): Promise<void> {
  const note = await waitQuiet(name);
  results.quiet.push(note);
  await prepare?.();
  if (note.busyBefore > 0.25)
    problem(`"${name}" started with the machine ${Math.round(note.busyBefore * 100)}% busy (other work)`);
  const stop = watchOthers(note);
  try {
    await run();
  } catch (err) {
    for (const server of watched) keepLog(server);
    throw err;
  } finally {
    await stop();
    if (note.overlapped !== '') problem(`"${name}" overlapped another benchmark: ${note.overlapped}`);
    checkReplicas(name);
  }
}

/**
 * Replaces every replica that ended (while the benchmark waited for a quiet machine, say) with a
 * fresh one on the same store, and reports it: nothing here stops a replica before the end.
 */
async function ensureReplicas(cluster: BenchCluster, servers: ServerProcess[], phaseName: string) {
  for (let i = 0; i < servers.length; i++) {
    const old = servers[i]!;
    const status = old.exitStatus();
    if (status === undefined) continue;
    if (!reported.has(old))
      problem(`${old.name} (pid ${old.pid}) ended with ${status} before "${phaseName}"`);
    keepLog(old);
    watched.delete(old);
    const fresh = await cluster.spawn(`${old.name}'`);
    watched.add(fresh);
    await waitReady(fresh, 60_000);
    console.log(`  started ${fresh.name} (pid ${fresh.pid}) in place of pid ${old.pid}`);
    servers[i] = fresh;
  }
}

async function clusterPhases(): Promise<void> {
  const cluster = await BenchCluster.create('cluster');
  try {
    const servers = await Promise.all([0, 1, 2].map((i) => cluster.spawn(`replica ${'ABC'[i]}`)));
    for (const server of servers) watched.add(server);
    await Promise.all(servers.map((s) => waitReady(s, 60_000)));
    const next = bodySource();
    const ensure = (name: string) => () => ensureReplicas(cluster, servers, name);

    await phase(
      'writes through the HTTP API, 3 replicas',
      async () => {
        await writeLoad('warm-up', servers, 2, 2, next);
        const concurrent = await writeLoad(`3 replicas x 4 in flight`, servers, 4, DURATION_S, next);
        const sequential = await writeLoad(
          '1 sequential client (A)',
          servers.slice(0, 1),
          1,
          DURATION_S / 2,
          next,
        );
        results.writes = [concurrent, sequential];
        for (const w of results.writes) {
          console.log(
            `  ${w.label}: ${w.createsPerSec} creates/s, ${fmtSummary(w.latencyMs)}, ${w.failed} failed`,
          );
          if (w.failed > 0) problem(`${w.label}: ${w.failed} creates failed ${JSON.stringify(w.failures)}`);
        }
      },
      ensure('writes through the HTTP API, 3 replicas'),
    );

    await phase(
      'convergence after a write',
      async () => {
        const c = await convergenceProbes(cluster, servers, PROBES, next);
        results.convergence = c;
        console.log(`  201 -> applied on both others: ${fmtSummary(c.ackToAllMs)}; poll ${c.pollMs.p50} ms`);
        if (c.failedWrites + c.timedOut + c.seqMismatches > 0)
          problem(
            `convergence: ${c.failedWrites} failed ${JSON.stringify(c.failures)} (first: ${c.firstFailure ?? '-'}), ` +
              `${c.timedOut} timed out, ${c.seqMismatches} seq mismatches`,
          );
      },
      ensure('convergence after a write'),
    );

    await phase(
      'Redis FLUSHDB under writes',
      async () => {
        const w = await redisWipe(cluster, servers, next, { rounds: 2, steadyMs: 3_000, afterMs: 8_000 });
        results.wipe = w;
        if (w.convergeAfterStopMs === undefined)
          problem(
            `after the wipe the replicas did not reach head ${w.headAtEnd} in 30 s: ${w.appliedAtEnd.join(', ')}`,
          );
        if (w.liveAdsByReplica.some((n) => n !== w.liveAdsInStore))
          problem(`live ads differ: replicas ${w.liveAdsByReplica.join(', ')}, store ${w.liveAdsInStore}`);
      },
      ensure('Redis FLUSHDB under writes'),
    );
    for (const s of servers) if (s.output().includes('"level":60')) problem(`${s.name} logged a fatal error`);
  } finally {
    watched.clear();
    await cluster.drop();
  }
}

async function restartPhase(): Promise<void> {
  await phase(`restart-to-ready with ${ADS} ads`, async () => {
    const r = await restartWithAds(ADS);
    results.restart = r;
    for (const f of [r.noSnapshot, r.withSnapshot]) {
      if (!f) continue;
      if (f.liveAds !== ADS || f.activeAds !== ADS)
        problem(`restart: live ${f.liveAds}, active ${f.activeAds}, want ${ADS}`);
      if (!f.check.identical)
        problem(`restart: query ${f.check.query} gave ${f.check.got} ids, want ${f.check.expected}`);
    }
    if (!r.withSnapshot) problem('restart: no snapshot was stored on SIGTERM');
  });
}

async function main(): Promise<void> {
  if (!args['no-build']) execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  const started = Date.now();
  await flushRedis();
  try {
    await clusterPhases();
  } catch (err) {
    problem(`cluster phases failed: ${err instanceof Error ? err.message.slice(0, 2000) : String(err)}`);
  }
  await flushRedis();
  try {
    await restartPhase();
  } catch (err) {
    problem(`restart phase failed: ${err instanceof Error ? err.message.slice(0, 2000) : String(err)}`);
  } finally {
    await flushRedis();
  }
  results.machine.wallS = Math.round((Date.now() - started) / 1000);
  printSummary(results);
  console.log(`\nresults: ${writeResult('replication', results)} (${String(results.machine.wallS)} s)`);
}

main().then(
  () => process.exit(results.problems.length === 0 ? 0 : 1),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
