/**
 * The write benchmark: creates through `POST /api/v1/ad` on a fresh store holding the seed dataset,
 * quotas off, at each connection count in rounds; then restart-to-ready on everything created.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAds } from './check.js';
import { createBody, createRng, seedAd, seedAds } from './mix.js';
import { createStore, runLine, stopTimed, timedRun, type Run } from './reads.js';
import type { Options } from './run.js';
import { fmt, printTable, spread, waitQuiet } from './stats.js';

export async function writeScenario(o: Options) {
  const byWorkers = [];
  for (const workers of o.workers) {
    const store = await createStore(o);
    let { server } = await store.start(workers);
    try {
      console.log(
        `\n== writes: ${o.replicated ? 'replicated' : 'embedded'}, workers=${workers}, ${o.tool} ==`,
      );
      const { figures: preload } = await loadAds(server.url, seedAds(1_000, 1, Date.now()), 32);
      console.log(
        `  preloaded ${preload.created} ads: ${preload.createsPerSec}/s at 32 in flight, p99 ${preload.p99Ms} ms`,
      );
      const rng = createRng(7);
      const now = Date.now();
      const lines = Array.from(
        { length: 20_000 },
        (_, i) => `POST /api/v1/ad ${JSON.stringify(createBody(seedAd(rng, `BENCH ${i}`, now)))}`,
      );
      const file = join(store.dir, 'writes.txt');
      writeFileSync(file, lines.join('\n') + '\n');
      if (o.warmupS > 0) await timedRun(server, file, Math.min(...o.connections), o, o.warmupS);
      const runs = o.connections.map(() => [] as (Run & { busy: number })[]);
      for (let round = 1; round <= o.rounds; round++) {
        console.log(`  round ${round}/${o.rounds}`);
        for (const [k, c] of o.connections.entries()) {
          const busy = await waitQuiet(o.quietBelow, o.quietWaitS);
          const run = await timedRun(server, file, c, o);
          console.log(runLine('adsm', c, run));
          runs[k]!.push({ ...run, busy });
        }
      }
      const text = await (await fetch(`${server.url}/metrics`)).text();
      const adsAtEnd = Number(/^adsm_live_ads\s+(\d+)/m.exec(text)?.[1] ?? -1);
      const stopped = await stopTimed(server);
      const again = await store.start(workers);
      server = again.server;
      console.log(
        `  ${adsAtEnd} ads at the end; SIGTERM to exit ${stopped.ms} ms, restart-to-ready ${again.readyMs} ms`,
      );
      const series = o.connections.map((c, k) => {
        const rs = runs[k]!;
        return {
          connections: c,
          createsPerSec: spread(
            rs.map((r) => r.load.rps),
            0,
          ),
          p50Ms: spread(rs.map((r) => r.load.latencyMs.p50)),
          p99Ms: spread(rs.map((r) => r.load.latencyMs.p99)),
          maxMs: spread(rs.map((r) => r.load.latencyMs.max)),
          errors: rs.reduce((a, r) => a + r.load.non2xx + r.load.socketErrors, 0),
          serverCores: spread(rs.map((r) => r.cpu.serverCores)),
          busyBefore: spread(rs.map((r) => r.busy)),
          rounds: rs,
        };
      });
      byWorkers.push({ workers, preload, series, adsAtEnd, restartReadyMs: again.readyMs });
    } finally {
      await server.stop('SIGTERM');
      await store.drop();
    }
  }
  printTable(
    `writes: ${o.replicated ? 'replicated' : 'embedded'}, quotas off, ${o.tool}, ${o.rounds} x ${o.durationS} s; median (min-max); ms`,
    [
      ['workers', 'conns', 'creates/s', 'p50', 'p99', 'max', 'errors', 'adsm cpu', 'busy', 'ready after'],
      ...byWorkers.flatMap((w) =>
        w.series.map((s) => [
          String(w.workers),
          String(s.connections),
          fmt(s.createsPerSec),
          fmt(s.p50Ms, 2),
          fmt(s.p99Ms, 2),
          fmt(s.maxMs, 1),
          String(s.errors),
          fmt(s.serverCores, 2),
          fmt(s.busyBefore, 2),
          `${w.restartReadyMs} ms`,
        ]),
      ),
    ],
  );
  return byWorkers;
}
