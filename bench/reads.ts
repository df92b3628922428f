/**
 * The read benchmark: adsm on a fresh store, the dataset created through the API, restart-to-ready,
 * answers checked against brute force, then the query mix timed against adsm and against the raw
 * node:http baseline answering the same bytes to the same requests, interleaved round by round.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster } from '../test/e2e/cluster.js';
import { startServer, tempDir, waitReady, type Server } from '../test/e2e/process.js';
import { checkAnswers, httpClient, loadAds, type CheckResult } from './check.js';
import { load, type LoadResult } from './load.js';
import { createRng, queryPath, seedAds, seedQuery } from './mix.js';
import { fmt, measure, pct, printTable, sampleTree, spread, waitQuiet, type CpuUse } from './stats.js';
import type { Options } from './run.js';

/** A throw-away store (a temporary DATA_DIR, or a fresh Postgres database and Redis prefix) to start adsm on. */
export async function createStore(o: Options) {
  const dir = tempDir();
  const cluster = o.replicated ? new Cluster(9, { POLL_INTERVAL_MS: '1000' }) : undefined;
  await cluster?.setup();
  const base = { MAX_ADS_PER_DAY: '0', MAX_ACTIVE_ADS: '0', LOG_LEVEL: o.logLevel };
  return {
    dir: dir.path,
    /** Starts adsm with `workers` and waits until every worker is ready; spawn-to-ready in ms. */
    async start(workers: number): Promise<{ server: Server; readyMs: number }> {
      const since = performance.now();
      const env = { ...base, WORKERS: String(workers) };
      const server = cluster
        ? await cluster.start({ env, waitReady: false })
        : await startServer({ env: { ...env, DATA_DIR: join(dir.path, 'data') }, waitReady: false });
      await waitReady(server, 300_000, workers > 1 ? workers * 5 : 1);
      return { server, readyMs: Math.round(performance.now() - since) };
    },
    async drop() {
      await cluster?.teardown();
      dir.remove();
    },
  };
}

export async function stopTimed(server: Server) {
  const start = performance.now();
  const code = await server.stop('SIGTERM');
  return { code, ms: Math.round(performance.now() - start) };
}

export interface Run {
  readonly load: LoadResult;
  readonly cpu: CpuUse;
}

export async function timedRun(server: Server, file: string, c: number, o: Options, durationS = o.durationS) {
  const done = measure(server.pid);
  const run = await load({
    url: server.url,
    file,
    connections: c,
    durationS,
    threads: o.threads,
    tool: o.tool,
  }).catch((err: unknown) => {
    const status = server.exitStatus();
    throw status === undefined
      ? err
      : new Error(`server ended (${status}) during a run:\n${server.output()}`);
  });
  return { load: run, cpu: done() } satisfies Run;
}

/** Server CPU seconds per answer. */
const cpuPerAnswer = (r: Run): number => r.cpu.serverCores / Math.max(1, r.load.rps);

export const runLine = (label: string, c: number, r: Run): string =>
  `  ${label.padEnd(8)} c=${String(c).padStart(3)} ${String(r.load.rps).padStart(7)} req/s  p50 ${r.load.latencyMs.p50.toFixed(2)}` +
  ` p99 ${r.load.latencyMs.p99.toFixed(2)} max ${r.load.latencyMs.max.toFixed(1)} ms  errors ${r.load.non2xx}+${r.load.socketErrors}` +
  `  cpu ${r.cpu.serverCores.toFixed(2)} box ${pct(r.cpu.boxBusy)} rss ${r.cpu.rssMb} MB`;

/** Headers that belong to a connection or an answer's size, not to the page. */
const PER_ANSWER = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);

/**
 * The request list of the timed runs (`count` queries of the mix) and, for the baseline, adsm's
 * answer to each distinct path with adsm's headers.
 */
async function requestList(url: string, dir: string, count: number) {
  const rng = createRng(99);
  const paths = Array.from({ length: count }, () => queryPath(seedQuery(rng)));
  const pages: Record<string, string> = {};
  let headers: Record<string, string> = {};
  const client = httpClient(url, 8);
  for (const path of new Set(paths)) {
    const res = await client.request('GET', path);
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${res.body}`);
    pages[path] = res.body;
    headers = Object.fromEntries(Object.entries(res.headers).filter(([k]) => !PER_ANSWER.has(k))) as Record<
      string,
      string
    >;
  }
  client.close();
  const file = join(dir, 'reads.txt');
  writeFileSync(file, paths.map((p) => `GET ${p}`).join('\n') + '\n');
  const pagesFile = join(dir, 'pages.json');
  writeFileSync(pagesFile, JSON.stringify({ headers, pages }));
  const bytes = paths.reduce((a, p) => a + Buffer.byteLength(pages[p]!), 0) / paths.length;
  return { file, pagesFile, distinct: Object.keys(pages).length, meanBytes: Math.round(bytes), headers };
}

export async function readScenario(o: Options) {
  const store = await createStore(o);
  const servers: Server[] = [];
  try {
    const n = o.dataset === 'scale' ? 100_000 : 1_000;
    const mode = o.replicated ? 'replicated' : 'embedded';
    console.log(`\n== reads: ${mode}, ${n} ads, ${o.tool}, workers ${o.workers.join(',')} ==`);
    const first = await store.start(o.workers[0]!);
    servers.push(first.server);
    const { created, figures: loading } = await loadAds(first.server.url, seedAds(n, n, Date.now()), 32);
    const rssLoadedMb = sampleTree(first.server.pid).rssMb;
    console.log(
      `  created ${loading.created}/${n}: ${loading.createsPerSec}/s, p99 ${loading.p99Ms} ms, ${loading.errors} errors; RSS ${rssLoadedMb} MB`,
    );
    if (loading.errors > 0) throw new Error(`creating the dataset failed: ${loading.firstErrors.join('; ')}`);

    const stopped = await stopTimed(servers.pop()!);
    const restarted = await store.start(o.workers[0]!);
    servers.push(restarted.server);
    const restart = {
      shutdownMs: stopped.ms,
      exitCode: stopped.code,
      readyMs: restarted.readyMs,
      rssMb: sampleTree(restarted.server.pid).rssMb,
    };
    console.log(
      `  restart: SIGTERM to exit ${stopped.ms} ms (${stopped.code}), spawn to ready ${restart.readyMs} ms, RSS ${restart.rssMb} MB`,
    );
    // Every worker count runs at once (replicas of one store), so their rounds interleave too.
    for (const w of o.workers.slice(1)) servers.push((await store.start(w)).server);

    const checks: CheckResult[] = [];
    for (const s of servers) checks.push(await checkAnswers(s.url, created, o.check, 4242));
    const list = await requestList(servers[0]!.url, store.dir, o.paths);
    console.log(
      `  ${o.paths} requests, ${list.distinct} distinct, ${list.meanBytes} B per answer on average; headers ${Object.keys(list.headers).join(', ')}`,
    );
    const raws: Server[] = [];
    for (const w of o.workers) {
      const env = { RAW_PAGES: list.pagesFile, WORKERS: String(w) };
      raws.push(await startServer({ script: 'bench/raw-server.js', env }));
    }
    servers.push(...raws);

    const pairs = o.workers.map(() => o.connections.map(() => [] as { raw: Run; adsm: Run; busy: number }[]));
    const top = Math.max(...o.connections);
    for (const [i] of o.workers.entries()) {
      if (o.warmupS === 0) break;
      await timedRun(raws[i]!, list.file, top, o, o.warmupS);
      await timedRun(servers[i]!, list.file, top, o, o.warmupS);
    }
    for (let round = 1; round <= o.rounds; round++) {
      console.log(`  round ${round}/${o.rounds}`);
      for (const [k, c] of o.connections.entries()) {
        for (const [i, w] of o.workers.entries()) {
          const busy = await waitQuiet(o.quietBelow, o.quietWaitS);
          const raw = await timedRun(raws[i]!, list.file, c, o);
          console.log(runLine(`raw w${w}`, c, raw));
          const adsm = await timedRun(servers[i]!, list.file, c, o);
          console.log(runLine(`adsm w${w}`, c, adsm));
          pairs[i]![k]!.push({ raw, adsm, busy });
        }
      }
    }
    const checksAfter: CheckResult[] = [];
    for (const [i] of o.workers.entries())
      checksAfter.push(await checkAnswers(servers[i]!.url, created, Math.min(100, o.check), 777));

    const rows = o.workers.flatMap((w, i) =>
      o.connections.map((c, k) => {
        const ps = pairs[i]![k]!;
        const of = (f: (p: (typeof ps)[number]) => number, digits = 0) => spread(ps.map(f), digits);
        return {
          workers: w,
          connections: c,
          rawRps: of((p) => p.raw.load.rps),
          adsmRps: of((p) => p.adsm.load.rps),
          ratio: of((p) => p.adsm.load.rps / p.raw.load.rps, 3),
          rawP99: of((p) => p.raw.load.latencyMs.p99, 2),
          adsmP50: of((p) => p.adsm.load.latencyMs.p50, 2),
          adsmP99: of((p) => p.adsm.load.latencyMs.p99, 2),
          errors: ps.reduce((a, p) => a + p.adsm.load.non2xx + p.adsm.load.socketErrors, 0),
          adsmCores: of((p) => p.adsm.cpu.serverCores, 2),
          // CPU time per answer, raw over adsm: less sensitive than req/s to how the machine's
          // cores were shared with the load generator and other processes
          cpuRatio: of((p) => cpuPerAnswer(p.raw) / cpuPerAnswer(p.adsm), 3),
          busyBefore: of((p) => p.busy, 2),
          rounds: ps,
        };
      }),
    );
    const scaling = o.workers.slice(1).flatMap((w, j) =>
      o.connections.map((c, k) => ({
        workers: w,
        connections: c,
        overFirst: spread(
          pairs[j + 1]![k]!.map((p, r) => p.adsm.load.rps / pairs[0]![k]![r]!.adsm.load.rps),
          3,
        ),
      })),
    );
    return {
      mode,
      ads: n,
      loading,
      rssLoadedMb,
      restart,
      requests: { count: o.paths, distinct: list.distinct, meanBytes: list.meanBytes },
      checks,
      checksAfter,
      rows,
      scaling,
    };
  } finally {
    for (const s of servers) await s.stop('SIGTERM');
    await store.drop();
  }
}

export type ReadResult = Awaited<ReturnType<typeof readScenario>>;

/** Prints the summary table and the verdicts; returns the verdicts (a FAIL makes the run exit 1 only for wrong answers and errors). */
export function printReads(r: ReadResult, o: Options): { verdicts: string[]; failed: boolean } {
  printTable(
    `reads: ${r.mode}, ${r.ads} ads, ${o.tool}, ${o.rounds} x ${o.durationS} s; median (min-max) over rounds; ms; busy = machine busy before a pair, without our load`,
    [
      [
        'workers',
        'conns',
        'raw req/s',
        'adsm req/s',
        'adsm/raw',
        'adsm p50',
        'adsm p99',
        'raw p99',
        'errors',
        'adsm cpu',
        'cpu/answer raw/adsm',
        'busy',
      ],
      ...r.rows.map((x) => [
        String(x.workers),
        String(x.connections),
        fmt(x.rawRps),
        fmt(x.adsmRps),
        fmt(x.ratio, 3),
        fmt(x.adsmP50, 2),
        fmt(x.adsmP99, 2),
        fmt(x.rawP99, 2),
        String(x.errors),
        fmt(x.adsmCores, 2),
        fmt(x.cpuRatio, 3),
        fmt(x.busyBefore, 2),
      ]),
    ],
  );
  for (const s of r.scaling)
    console.log(
      `  adsm with ${s.workers} workers / with ${o.workers[0]}, c=${s.connections}, paired by round: ${fmt(s.overFirst, 3)}`,
    );
  const verdicts: string[] = [];
  const verdict = (ok: boolean, text: string) => verdicts.push(`${ok ? 'PASS' : 'FAIL'}  ${text}`);
  const wrong = [...r.checks, ...r.checksAfter].reduce((a, c) => a + c.wrong, 0);
  const checked = [...r.checks, ...r.checksAfter].reduce((a, c) => a + c.queries, 0);
  verdict(wrong === 0, `${checked} answers checked against brute force, ${wrong} wrong`);
  for (const c of [...r.checks, ...r.checksAfter]) for (const e of c.examples) console.log(`    ! ${e}`);
  const errors = r.rows.reduce((a, x) => a + x.errors, 0);
  verdict(errors === 0, `${errors} errors under load`);
  const top = r.rows.find((x) => x.workers === 1 && x.connections === Math.max(...o.connections));
  if (top)
    verdict(
      top.ratio.median >= 0.9,
      `1 worker, c=${top.connections}: adsm/raw ${fmt(top.ratio, 3)} (target >= 0.90)`,
    );
  const two = r.scaling.find((s) => s.workers === 2 && s.connections === Math.max(...o.connections));
  if (two)
    verdict(two.overFirst.median >= 1.3, `2 workers / 1 worker: ${fmt(two.overFirst, 3)} (target >= 1.3)`);
  if (r.ads >= 100_000) {
    verdict(
      r.restart.rssMb < 500,
      `${r.ads} ads: RSS after restart ${r.restart.rssMb} MB (target < 500; ${r.rssLoadedMb} MB right after loading)`,
    );
    verdict(
      r.restart.readyMs < 5000,
      `${r.ads} ads: restart-to-ready ${r.restart.readyMs} ms (target < 5000)`,
    );
  }
  for (const v of verdicts) console.log(`  ${v}`);
  return { verdicts, failed: wrong > 0 || errors > 0 };
}
