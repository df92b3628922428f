/**
 * The write benchmark: creates through `POST /api/v1/ad` as an admin client sends them (the admin
 * token, a fresh `Idempotency-Key` on each: `wrk-creates.lua`) on a fresh store holding the seed
 * dataset, quotas off, at each connection count in rounds; then restart-to-ready on everything
 * created. With `--baseline-dist`, another build on a store of its own is timed in the same rounds.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAds } from './check.js';
import { createBody, createRng, seedAd, seedAds } from './mix.js';
import { createStore, runLine, stopTimed, type Run } from './reads.js';
import { wrkRun } from './load.js';
import type { Options } from './run.js';
import { fmt, measure, printTable, spread, waitQuiet } from './stats.js';
import type { Server } from '../test/e2e/process.js';
import { baselineLine, baselineScript, pairedWithBaseline } from './baseline.js';

/** The admin token the benchmark's servers are started with: every create is authenticated. */
const TOKEN = 'bench-admin-token';

/** `seconds` of creates at `c` connections from the bodies of `file`, each with a key never sent before. */
async function createsRun(
  server: Server,
  file: string,
  c: number,
  o: Options,
  seconds = o.durationS,
): Promise<Run> {
  if (o.tool !== 'wrk') throw new Error('--writes needs wrk (bench/wrk-creates.lua)');
  const done = measure(server.pid);
  const r = await wrkRun({
    url: server.url,
    script: 'wrk-creates.lua',
    args: [file, TOKEN, randomUUID()],
    connections: c,
    durationS: seconds,
    threads: o.threads,
  }).catch((err: unknown) => {
    const status = server.exitStatus();
    throw status === undefined
      ? err
      : new Error(`server ended (${status}) during a run:\n${server.output()}`);
  });
  const load = {
    rps: r.rps,
    latencyMs: { p50: r.p50, p99: r.p99, max: r.max },
    non2xx: r.non2xx,
    socketErrors: r.socket,
  };
  return { load, cpu: done() };
}

/** One build to time on its own store: this one, or the `--baseline-dist` build. */
interface Subject {
  readonly label: string;
  readonly store: Awaited<ReturnType<typeof createStore>>;
  server: Server;
  readonly runs: (Run & { busy: number })[][];
  preload?: Awaited<ReturnType<typeof loadAds>>['figures'];
}

export async function writeScenario(o: Options) {
  const byWorkers = [];
  for (const workers of o.workers) {
    const subjects: Subject[] = [];
    try {
      console.log(
        `\n== writes: ${o.replicated ? 'replicated' : 'embedded'}, workers=${workers}, ${o.tool} ==`,
      );
      const builds = [{ label: 'adsm', script: undefined as string | undefined }];
      if (o.baselineDist !== undefined) builds.push({ label: 'baseline', script: baselineScript(o) });
      for (const b of builds) {
        const store = await createStore(o, { ADMIN_TOKEN: TOKEN }, b.script);
        const { server } = await store.start(workers);
        const runs = o.connections.map(() => []);
        subjects.push({ label: b.label, store, server, runs });
      }
      const rng = createRng(7);
      const now = Date.now();
      const lines = Array.from({ length: 20_000 }, (_, i) =>
        JSON.stringify(createBody(seedAd(rng, `BENCH ${i}`, now))),
      );
      const file = join(subjects[0]!.store.dir, 'writes.txt');
      writeFileSync(file, lines.join('\n') + '\n');
      for (const s of subjects) {
        const preload = (await loadAds(s.server.url, seedAds(1_000, 1, Date.now()), 32, TOKEN)).figures;
        s.preload = preload;
        console.log(
          `  ${s.label}: preloaded ${preload.created} ads: ${preload.createsPerSec}/s at 32 in flight, p99 ${preload.p99Ms} ms`,
        );
        if (o.warmupS > 0) await createsRun(s.server, file, Math.min(...o.connections), o, o.warmupS);
      }
      for (let round = 1; round <= o.rounds; round++) {
        console.log(`  round ${round}/${o.rounds}`);
        for (const [k, c] of o.connections.entries()) {
          // Odd rounds time the builds in one order, even rounds in the other.
          for (const s of round % 2 === 1 ? subjects : [...subjects].reverse()) {
            const busy = await waitQuiet(o.quietBelow, o.quietWaitS);
            const run = await createsRun(s.server, file, c, o);
            console.log(runLine(s.label, c, run));
            s.runs[k]!.push({ ...run, busy });
          }
        }
      }
      for (const s of subjects) {
        const text = await (await fetch(`${s.server.url}/metrics`)).text();
        const adsAtEnd = Number(/^adsm_live_ads\s+(\d+)/m.exec(text)?.[1] ?? -1);
        const stopped = await stopTimed(s.server);
        const again = await s.store.start(workers);
        s.server = again.server;
        console.log(
          `  ${s.label}: ${adsAtEnd} ads at the end; SIGTERM to exit ${stopped.ms} ms, restart-to-ready ${again.readyMs} ms`,
        );
        const series = o.connections.map((c, k) => {
          const rs = s.runs[k]!;
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
            vsBaseline:
              s.label === 'adsm' && subjects[1] ? pairedWithBaseline(rs, subjects[1].runs[k]!) : undefined,
          };
        });
        byWorkers.push({
          label: s.label,
          workers,
          preload: s.preload,
          series,
          adsAtEnd,
          restartReadyMs: again.readyMs,
        });
      }
    } finally {
      for (const s of subjects) {
        await s.server.stop('SIGTERM');
        await s.store.drop();
      }
    }
  }
  printTable(
    `writes: ${o.replicated ? 'replicated' : 'embedded'}, admin token and a fresh Idempotency-Key per create, quotas off, ${o.tool}, ${o.rounds} x ${o.durationS} s; median (min-max); ms`,
    [
      [
        'build',
        'workers',
        'conns',
        'creates/s',
        'p50',
        'p99',
        'max',
        'errors',
        'adsm cpu',
        'busy',
        'ready after',
      ],
      ...byWorkers.flatMap((w) =>
        w.series.map((s) => [
          w.label,
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
  for (const w of byWorkers)
    for (const s of w.series)
      if (s.vsBaseline)
        console.log(`  workers ${w.workers}, c=${s.connections}, ${baselineLine(s.vsBaseline)}`);
  return byWorkers;
}
