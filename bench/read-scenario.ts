/**
 * The read benchmark: start adsm on a fresh store, load the dataset through the admin API,
 * restart it (restart-to-ready), check answers against the reference, then time the query mix
 * against adsm and the raw node:http baseline in interleaved rounds, once per worker count.
 */
import { captureBaseline, type Baseline } from './baseline.js';
import type { Options } from './cli.js';
import { createBenchEnv } from './environment.js';
import { DATASET_SIZE, datasetBodies, loadAds, type LoadDataResult } from './load-data.js';
import type { LoadTool } from './load-tool.js';
import { backgroundBusy, sampleTree } from './proc-stats.js';
import { checkAnswers, type CheckResult } from './reference-check.js';
import { readRounds, type ReadComparison } from './rounds.js';
import { spread, type Spread } from './report.js';
import { startAdsm, startRaw, type ServerProcess } from './server-process.js';

const SETTLE_MS = 10_000;

export interface RestartFigures {
  /** SIGTERM to exit, and the exit code. */
  readonly shutdownMs: number;
  readonly exitCode: number | string;
  /** Spawn to the first `/readyz` 200. */
  readonly readyMs: number;
  readonly rssAfterReadyMb: number;
}

export interface WorkerResult {
  readonly workers: number;
  /** Spawn-to-ready when the server was started with this worker count on the loaded store. */
  readonly readyMs: number;
  /** Share of the machine other processes kept busy just before the timed runs (0..1). */
  readonly backgroundBusy: number;
  readonly check: CheckResult;
  readonly checkAfter: CheckResult;
  readonly comparisons: ReadComparison[];
  readonly rssAfterMb: number;
  readonly peakRssMb: number;
}

export interface ReadScenarioResult {
  readonly mode: 'embedded' | 'replicated';
  readonly dataset: string;
  readonly ads: number;
  readonly serverEnv: Record<string, string>;
  readonly emptyStartMs: number;
  readonly rssEmptyMb: number;
  readonly load: Omit<LoadDataResult, 'ads'>;
  readonly rssLoadedMb: number;
  readonly peakRssLoadedMb: number;
  /** RSS after loading and SETTLE_MS of idle time (V8 gives garbage back lazily); scale dataset only, else = rssLoadedMb. */
  readonly rssSettledMb: number;
  readonly restart: RestartFigures;
  readonly baseline: Omit<Baseline, 'bodyFile'>;
  readonly byWorkers: WorkerResult[];
  readonly scaling: Scaling[];
}

/** adsm req/s with `workers` over adsm req/s with `over` workers, per round, at `connections`. */
export interface Scaling {
  readonly workers: number;
  readonly over: number;
  readonly connections: number;
  readonly ratio: Spread;
}

/** Stops `server` with SIGTERM and starts it again on the same store; both times are measured. */
export async function restart(server: ServerProcess, env: Record<string, string>) {
  const stopped = await server.stop();
  const { server: next, readyMs } = await startAdsm({ env });
  const figures: RestartFigures = {
    shutdownMs: stopped.ms,
    exitCode: stopped.code,
    readyMs,
    rssAfterReadyMb: sampleTree(next.pid).rssMb,
  };
  return { server: next, figures };
}

export async function readScenario(o: Options, tool: LoadTool): Promise<ReadScenarioResult> {
  const benchEnv = await createBenchEnv(o.replicated);
  const quotas: Record<string, string> =
    o.dataset === 'scale' ? { MAX_ADS_PER_DAY: '0', MAX_ACTIVE_ADS: '0' } : {};
  const envFor = (workers: number) => ({
    ...benchEnv.env,
    ...quotas,
    LOG_LEVEL: o.logLevel,
    WORKERS: String(workers),
  });
  const first = o.workers[0]!;
  console.log(
    `\n== reads: ${benchEnv.mode}, ${o.dataset} dataset, ${o.tool}, workers ${o.workers.join(',')} ==`,
  );
  const initial = await startAdsm({ env: envFor(first) });
  const emptyStartMs = initial.readyMs;
  let server = initial.server;
  /** Every adsm process started, so `finally` stops them all. */
  const started: ServerProcess[] = [server];
  const raws: ServerProcess[] = [];
  try {
    const rssEmptyMb = sampleTree(server.pid).rssMb;
    const n = DATASET_SIZE[o.dataset];
    console.log(`  adsm ready in ${emptyStartMs} ms (empty, RSS ${rssEmptyMb} MB); creating ${n} ads …`);
    const { ads, ...load } = await loadAds(
      server.url,
      datasetBodies(n),
      o.loadConcurrency,
      o.idempotencyKeys,
    );
    const loaded = sampleTree(server.pid);
    console.log(
      `  created ${load.created}/${n} in ${load.ms} ms (${load.createsPerSec}/s, p99 ${load.latencyMs.p99} ms, ` +
        `${load.errorCount} errors); RSS ${loaded.rssMb} MB`,
    );
    for (const e of load.errors) console.log(`    ! ${e}`);
    let rssSettledMb = loaded.rssMb;
    if (o.dataset === 'scale') {
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      rssSettledMb = sampleTree(server.pid).rssMb;
      console.log(`  RSS ${rssSettledMb} MB after ${SETTLE_MS / 1000} s idle`);
    }

    const restarted = await restart(server, envFor(first));
    server = restarted.server;
    started.push(server);
    const r = restarted.figures;
    console.log(
      `  restart: SIGTERM to exit ${r.shutdownMs} ms (code ${r.exitCode}), spawn to ready ${r.readyMs} ms, RSS ${r.rssAfterReadyMb} MB`,
    );

    // Every worker count runs at once (replicas of one store in replicated mode), so their
    // rounds interleave too and the scaling figure is paired like the raw/adsm ratio.
    const servers = new Map<number, { server: ServerProcess; readyMs: number }>([
      [first, { server, readyMs: r.readyMs }],
    ]);
    for (const workers of o.workers.slice(1)) {
      const next = await startAdsm({ env: envFor(workers) });
      started.push(next.server);
      servers.set(workers, next);
    }
    const checks = new Map<number, CheckResult>();
    for (const [workers, s] of servers) {
      console.log(`  workers=${workers}: ready in ${s.readyMs} ms`);
      checks.set(workers, await checkAnswers(s.server.url, ads, o.check));
      printCheck(`workers=${workers}, before the timed runs`, checks.get(workers)!);
    }
    const baseline = await captureBaseline(server.url, benchEnv.scratch, o.rawBytes);
    for (const workers of o.workers) {
      raws.push(await startRaw(baseline.bodyFile, baseline.headers, workers, benchEnv.scratch));
    }
    const busy = await backgroundBusy();
    console.log(
      `  machine ${Math.round(busy * 100)}% busy before the timed runs${busy > 0.1 ? ' (other processes: figures will be noisy)' : ''}`,
    );
    const targets = o.workers.map((workers, i) => ({
      label: o.workers.length > 1 ? `w${workers}` : '',
      adsm: servers.get(workers)!.server,
      raw: raws[i]!,
    }));
    const comparisons = await readRounds(targets, {
      tool,
      connections: o.connections,
      rounds: o.rounds,
      durationS: o.durationS,
      warmupS: o.warmupS,
      threads: o.threads,
      quietBelow: o.quietBelow,
      quietWaitS: o.quietWaitS,
    });
    for (const rawServer of raws.splice(0)) await rawServer.stop();
    const byWorkers: WorkerResult[] = [];
    for (const [i, workers] of o.workers.entries()) {
      const s = servers.get(workers)!;
      const checkAfter = await checkAnswers(s.server.url, ads, Math.min(o.check, 100), 777);
      printCheck(`workers=${workers}, after the timed runs`, checkAfter);
      const after = sampleTree(s.server.pid);
      byWorkers.push({
        workers,
        readyMs: s.readyMs,
        backgroundBusy: busy,
        check: checks.get(workers)!,
        checkAfter,
        comparisons: comparisons[i]!,
        rssAfterMb: after.rssMb,
        peakRssMb: after.peakRssMb,
      });
    }
    const { bodyFile: _bodyFile, ...baselineInfo } = baseline;
    return {
      mode: benchEnv.mode,
      dataset: o.dataset,
      ads: n,
      serverEnv: { ...quotas, LOG_LEVEL: o.logLevel },
      emptyStartMs,
      rssEmptyMb,
      load,
      rssLoadedMb: loaded.rssMb,
      peakRssLoadedMb: loaded.peakRssMb,
      rssSettledMb,
      restart: r,
      baseline: baselineInfo,
      byWorkers,
      scaling: scaling(o.workers, comparisons),
    };
  } finally {
    for (const rawServer of raws) await rawServer.stop();
    for (const s of started) await s.stop();
    await benchEnv.drop();
  }
}

/** adsm req/s of each further worker count over the first one's, paired by round. */
function scaling(workers: readonly number[], comparisons: ReadComparison[][]): Scaling[] {
  const base = comparisons[0]!;
  return workers.slice(1).flatMap((w, k) =>
    comparisons[k + 1]!.map((c, j) => ({
      workers: w,
      over: workers[0]!,
      connections: c.connections,
      ratio: spread(
        c.rounds.map((round, r) => round.adsm.load.rps / base[j]!.rounds[r]!.adsm.load.rps),
        3,
      ),
    })),
  );
}

function printCheck(when: string, c: CheckResult): void {
  const verdict = c.wrong === 0 && c.failed === 0 ? 'all correct' : `${c.wrong} WRONG, ${c.failed} FAILED`;
  console.log(
    `  reference check (${when}): ${c.queries} queries, ${verdict} (mean ${c.meanItems} items, ${c.meanBytes} B per answer)`,
  );
  for (const e of c.examples) console.log(`    ! ${e}`);
}
