/**
 * The write benchmark: creates per second and their latency through `POST /api/v1/ad`, on a fresh
 * store holding the seed dataset, with the quotas off (MAX_ADS_PER_DAY=0 MAX_ACTIVE_ADS=0) so no
 * create is refused. One fresh store per worker count; after the rounds the server is restarted
 * on everything it created (restart-to-ready).
 */
import type { Options } from './cli.js';
import { createBenchEnv } from './environment.js';
import { DATASET_SIZE, datasetBodies, loadAds, type LoadDataResult } from './load-data.js';
import type { LoadTool } from './load-tool.js';
import { backgroundBusy, sampleTree } from './proc-stats.js';
import { restart, type RestartFigures } from './read-scenario.js';
import { writeRounds, type WriteSeries } from './rounds.js';
import { startAdsm } from './server-process.js';

export interface WriteWorkerResult {
  readonly workers: number;
  readonly preload: Omit<LoadDataResult, 'ads'>;
  /** Share of the machine other processes kept busy just before the timed runs (0..1). */
  readonly backgroundBusy: number;
  readonly series: WriteSeries[];
  /** Ads in the store at the end (preload + every create of the rounds and warm-up). */
  readonly adsAtEnd: number;
  readonly rssAfterMb: number;
  readonly restart: RestartFigures;
}

export interface WriteScenarioResult {
  readonly mode: 'embedded' | 'replicated';
  readonly serverEnv: Record<string, string>;
  readonly byWorkers: WriteWorkerResult[];
}

export async function writeScenario(o: Options, tool: LoadTool): Promise<WriteScenarioResult> {
  const serverEnv = { MAX_ADS_PER_DAY: '0', MAX_ACTIVE_ADS: '0', LOG_LEVEL: o.logLevel };
  const byWorkers: WriteWorkerResult[] = [];
  let mode: 'embedded' | 'replicated' = 'embedded';
  for (const workers of o.workers) {
    const benchEnv = await createBenchEnv(o.replicated);
    mode = benchEnv.mode;
    const env = { ...benchEnv.env, ...serverEnv, WORKERS: String(workers) };
    console.log(`\n== writes: ${benchEnv.mode}, workers=${workers}, ${o.tool} ==`);
    let { server } = await startAdsm({ env });
    try {
      const { ads: _ads, ...preload } = await loadAds(
        server.url,
        datasetBodies(DATASET_SIZE.seed),
        o.loadConcurrency,
        o.idempotencyKeys,
      );
      console.log(
        `  preloaded ${preload.created} seed ads: ${preload.createsPerSec}/s at ${o.loadConcurrency} in flight ` +
          `(node:http client), p50 ${preload.latencyMs.p50} ms, p99 ${preload.latencyMs.p99} ms, ${preload.errorCount} errors`,
      );
      const busy = await backgroundBusy();
      console.log(`  machine ${Math.round(busy * 100)}% busy before the timed runs`);
      const series = await writeRounds(server, {
        tool,
        connections: o.connections,
        rounds: o.rounds,
        durationS: o.durationS,
        warmupS: o.warmupS,
        threads: o.threads,
        quietBelow: o.quietBelow,
        quietWaitS: o.quietWaitS,
      });
      const rssAfterMb = sampleTree(server.pid).rssMb;
      const adsAtEnd = await countAds(server.url);
      const restarted = await restart(server, env);
      server = restarted.server;
      const r = restarted.figures;
      console.log(
        `  ${adsAtEnd} ads at the end, RSS ${rssAfterMb} MB; restart: exit ${r.shutdownMs} ms, ready ${r.readyMs} ms`,
      );
      byWorkers.push({ workers, preload, backgroundBusy: busy, series, adsAtEnd, rssAfterMb, restart: r });
    } finally {
      await server.stop();
      await benchEnv.drop();
    }
  }
  return { mode, serverEnv, byWorkers };
}

/** Active ads, from the `adsm_active_ads` gauge of /metrics when there is one (-1 when not). */
async function countAds(baseUrl: string): Promise<number> {
  try {
    const text = await (await fetch(`${baseUrl}/metrics`)).text();
    const m = /^adsm_active_ads(?:\{[^}]*\})?\s+(\d+)/m.exec(text);
    return m ? Number(m[1]) : -1;
  } catch {
    return -1;
  }
}
