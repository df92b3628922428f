/**
 * The read benchmark: adsm on a fresh store, the dataset created through the API, restart-to-ready,
 * answers checked against brute force, then the query mix timed against adsm and against the raw
 * node:http baseline answering the same bytes to the same requests, interleaved round by round.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster } from '../test/e2e/cluster.js';
import { startServer, tempDir, waitReady, type Server } from '../test/e2e/process.js';
import {
  checkAnswers,
  forEachConcurrent,
  httpClient,
  loadAds,
  mixQueries,
  type CheckResult,
  type CreatedAd,
} from './check.js';
import { load, type Draw, type LoadResult } from './load.js';
import { createRng, queryPath, seedAds, seedSpace, zipfSampler, type SeedQuery } from './mix.js';
import { fmt, measure, pct, printTable, sampleTree, spread, waitQuiet, type CpuUse } from './stats.js';
import type { Options } from './run.js';
import { baselineLine, baselineScript, pairedWithBaseline } from './baseline.js';

/** A throw-away store (a temporary DATA_DIR, or a fresh Postgres database and Redis prefix) to start adsm on. */
export async function createStore(
  o: Options,
  extraEnv: Readonly<Record<string, string>> = {},
  /** Another build's `main.js` to start instead of `dist/main.js`. */
  script?: string,
) {
  const dir = tempDir();
  const cluster = o.replicated ? new Cluster(9, { POLL_INTERVAL_MS: '1000' }) : undefined;
  await cluster?.setup();
  const base = { MAX_ADS_PER_DAY: '0', MAX_ACTIVE_ADS: '0', LOG_LEVEL: o.logLevel, ...extraEnv };
  return {
    dir: dir.path,
    /** The Postgres database and Redis prefix of a replicated store. */
    cluster,
    /** Starts adsm with `workers` and waits until every worker is ready; spawn-to-ready in ms. */
    async start(workers: number): Promise<{ server: Server; readyMs: number }> {
      const since = performance.now();
      const env = { ...base, WORKERS: String(workers) };
      const nodeArgs = o.cpuProf === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${o.cpuProf}`];
      const server = cluster
        ? await cluster.start({ env, waitReady: false, script, nodeArgs })
        : await startServer({
            env: { ...env, DATA_DIR: join(dir.path, 'data') },
            waitReady: false,
            script,
            nodeArgs,
          });
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

export async function timedRun(
  server: Server,
  file: string,
  c: number,
  o: Options,
  durationS = o.durationS,
  draw?: Draw,
) {
  const done = measure(server.pid);
  const run = await load({
    url: server.url,
    file,
    connections: c,
    durationS,
    threads: o.threads,
    tool: o.tool,
    draw,
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

/** Exponent of the skewed mix: the path of rank k drawn with probability ~ 1/k. */
export const ZIPF_S = 1;

/** The two mixes of the timed runs, both drawn fresh request by request from the seed space. */
export const MIXES = [
  { name: 'uniform', draw: { kind: 'uniform' } },
  { name: 'zipf', draw: { kind: 'zipf', s: ZIPF_S } },
] as const satisfies readonly { name: string; draw: Draw }[];
export type MixName = (typeof MIXES)[number]['name'];

/**
 * The paths the timed runs draw from (every query of the seed space, most popular first) and,
 * for the baseline, adsm's answer to each with adsm's headers.
 */
async function drawSpace(url: string, dir: string) {
  const space = seedSpace(createRng(99));
  const paths = space.map(queryPath);
  const pages: Record<string, string> = {};
  let headers: Record<string, string> = {};
  const client = httpClient(url, 16);
  await forEachConcurrent(paths.length, 16, async (i) => {
    const path = paths[i]!;
    const res = await client.request('GET', path);
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${res.body}`);
    pages[path] = res.body;
    headers = Object.fromEntries(Object.entries(res.headers).filter(([k]) => !PER_ANSWER.has(k))) as Record<
      string,
      string
    >;
  });
  client.close();
  const file = join(dir, 'space.txt');
  writeFileSync(file, paths.join('\n') + '\n');
  const pagesFile = join(dir, 'pages.json');
  writeFileSync(pagesFile, JSON.stringify({ headers, pages }));
  const bytes = paths.reduce((a, p) => a + Buffer.byteLength(pages[p]!), 0) / paths.length;
  return { file, pagesFile, space, distinct: paths.length, meanBytes: Math.round(bytes), headers };
}

/** `n` draws of `mix` from `space` (PRNG `seed`), for the answer checks. */
function drawQueries(space: readonly SeedQuery[], mix: MixName, n: number, seed: number): SeedQuery[] {
  const rng = createRng(seed);
  const rank =
    mix === 'zipf' ? zipfSampler(space.length, ZIPF_S, rng) : () => Math.floor(rng() * space.length);
  return Array.from({ length: n }, () => space[rank()]!);
}

/**
 * The hit and miss counters of an answer cache on `/metrics`, should a build have one (a
 * `--variant` or another build); zeros when the server has none.
 */
async function cacheCounters(url: string): Promise<{ hits: number; misses: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return { hits: value('adsm_answer_cache_hits_total'), misses: value('adsm_answer_cache_misses_total') };
}

/** A timed run of adsm with its answer cache's hit rate over the run (NaN with no lookups). */
async function timedAdsm(server: Server, file: string, c: number, o: Options, draw: Draw) {
  const before = await cacheCounters(server.url);
  const run = await timedRun(server, file, c, o, o.durationS, draw);
  const after = await cacheCounters(server.url);
  const hits = after.hits - before.hits;
  const lookups = hits + after.misses - before.misses;
  return { ...run, hitRate: lookups === 0 ? NaN : hits / lookups };
}

/** One adsm to time: the build as configured, or a variant with extra environment on its own store. */
interface Subject {
  readonly label: string;
  readonly workers: number;
  readonly server: Server;
  readonly created: readonly CreatedAd[];
}

/** `NAME:K=V,K=V` of `--variant`. */
export function parseVariant(text: string): { name: string; env: Record<string, string> } {
  const [name, assignments] = text.split(':', 2);
  if (!name || !assignments) throw new Error(`--variant: NAME:K=V[,K=V], got "${text}"`);
  const env = Object.fromEntries(assignments.split(',').map((a) => a.split('=', 2) as [string, string]));
  return { name, env };
}

export async function readScenario(o: Options) {
  const store = await createStore(o);
  const stores = [store];
  const servers: Server[] = [];
  try {
    const n = o.dataset === 'scale' ? 100_000 : 1_000;
    const mode = o.replicated ? 'replicated' : 'embedded';
    const variants = o.variants.map(parseVariant);
    if (variants.length > 0 && (o.replicated || o.workers.length > 1))
      throw new Error('--variant runs in embedded mode with one worker count');
    if (o.baselineDist !== undefined && o.workers.length > 1)
      throw new Error('--baseline-dist times reads with one worker count');
    const others = [
      ...variants.map((x) => ({ ...x, script: undefined as string | undefined })),
      ...(o.baselineDist === undefined ? [] : [{ name: 'baseline', env: {}, script: baselineScript(o) }]),
    ];
    console.log(`\n== reads: ${mode}, ${n} ads, ${o.tool}, workers ${o.workers.join(',')} ==`);
    const ads = seedAds(n, n, Date.now());
    const first = await store.start(o.workers[0]!);
    servers.push(first.server);
    const { created, figures: loading } = await loadAds(first.server.url, ads, 32);
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
    const subjects: Subject[] = [
      { label: 'adsm', workers: o.workers[0]!, server: restarted.server, created },
    ];
    // Every worker count runs at once (replicas of one store), so their rounds interleave too.
    for (const w of o.workers.slice(1)) {
      const server = (await store.start(w)).server;
      servers.push(server);
      subjects.push({ label: 'adsm', workers: w, server, created });
    }
    // A variant or the baseline build gets its own store and the same ads (its ids differ, its
    // pages' sizes do not).
    for (const { name, env, script } of others) {
      const own = await createStore(o, env, script);
      stores.push(own);
      const server = (await own.start(o.workers[0]!)).server;
      servers.push(server);
      const loaded = await loadAds(server.url, ads, 32);
      if (loaded.figures.errors > 0) throw new Error(`creating the dataset of ${name} failed`);
      subjects.push({ label: name, workers: o.workers[0]!, server, created: loaded.created });
    }

    const list = await drawSpace(servers[0]!.url, store.dir);
    console.log(
      `  the seed space: ${list.distinct} distinct queries, ${list.meanBytes} B per answer on average; headers ${Object.keys(list.headers).join(', ')}`,
    );
    const checks: (CheckResult & { label: string; mix: string; when: string })[] = [];
    const check = async (mix: MixName, when: 'before' | 'after', count: number, seed: number) => {
      for (const s of subjects) {
        const queries = drawQueries(list.space, mix, count, seed);
        checks.push({ ...(await checkAnswers(s.server.url, s.created, queries)), label: s.label, mix, when });
      }
    };
    for (const s of subjects) {
      const queries = mixQueries(o.check, 4242);
      checks.push({
        ...(await checkAnswers(s.server.url, s.created, queries)),
        label: s.label,
        mix: 'optional filters',
        when: 'before',
      });
    }
    const raws = new Map<number, Server>();
    for (const w of o.workers) {
      const env = { RAW_PAGES: list.pagesFile, WORKERS: String(w) };
      const raw = await startServer({ script: 'bench/raw-server.js', env, readyTimeoutMs: 300_000 });
      raws.set(w, raw);
      servers.push(raw);
    }

    type Pair = { raw: Run; adsm: Run & { hitRate: number }; busy: number };
    const pairs = new Map<string, Pair[]>();
    const keyOf = (mix: string, label: string, w: number, c: number) => `${mix} ${label} ${w} ${c}`;
    const top = Math.max(...o.connections);
    for (const mix of MIXES) {
      if (!o.mixes.includes(mix.name)) continue;
      await check(mix.name, 'before', o.check, 4242);
      for (const w of o.workers)
        if (o.warmupS > 0) await timedRun(raws.get(w)!, list.file, top, o, o.warmupS, mix.draw);
      for (const s of subjects)
        if (o.warmupS > 0) await timedRun(s.server, list.file, top, o, o.warmupS, mix.draw);
      for (let round = 1; round <= o.rounds; round++) {
        console.log(`  ${mix.name}: round ${round}/${o.rounds}`);
        for (const c of o.connections) {
          for (const w of o.workers) {
            const busy = await waitQuiet(o.quietBelow, o.quietWaitS);
            const raw = await timedRun(raws.get(w)!, list.file, c, o, o.durationS, mix.draw);
            console.log(runLine(`raw w${w}`, c, raw));
            // Odd rounds time the builds in one order, even rounds in the other.
            const order = round % 2 === 1 ? subjects : [...subjects].reverse();
            for (const s of order.filter((x) => x.workers === w)) {
              const adsm = await timedAdsm(s.server, list.file, c, o, mix.draw);
              console.log(
                `${runLine(`${s.label} w${w}`, c, adsm)}${Number.isNaN(adsm.hitRate) ? '' : ` hits ${pct(adsm.hitRate)}`}`,
              );
              const key = keyOf(mix.name, s.label, w, c);
              pairs.set(key, [...(pairs.get(key) ?? []), { raw, adsm, busy }]);
            }
          }
        }
      }
      await check(mix.name, 'after', Math.min(100, o.check), 777);
    }

    const rows = MIXES.filter((m) => o.mixes.includes(m.name)).flatMap((mix) =>
      subjects.flatMap((s) =>
        o.connections.map((c) => {
          const ps = pairs.get(keyOf(mix.name, s.label, s.workers, c))!;
          const of = (f: (p: Pair) => number, digits = 0) => spread(ps.map(f), digits);
          return {
            mix: mix.name,
            label: s.label,
            workers: s.workers,
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
            // undefined for a server with no answer cache (no counters on /metrics)
            hitRate: ps.every((p) => Number.isNaN(p.adsm.hitRate)) ? undefined : of((p) => p.adsm.hitRate, 3),
            busyBefore: of((p) => p.busy, 2),
            rounds: ps,
          };
        }),
      ),
    );
    const scaling = MIXES.filter((m) => o.mixes.includes(m.name)).flatMap((mix) =>
      o.workers.slice(1).flatMap((w) =>
        o.connections.map((c) => {
          const base = pairs.get(keyOf(mix.name, 'adsm', o.workers[0]!, c))!;
          const more = pairs.get(keyOf(mix.name, 'adsm', w, c))!;
          return {
            mix: mix.name,
            workers: w,
            connections: c,
            overFirst: spread(
              more.map((p, r) => p.adsm.load.rps / base[r]!.adsm.load.rps),
              3,
            ),
          };
        }),
      ),
    );
    const vsBaseline =
      o.baselineDist === undefined
        ? []
        : MIXES.filter((m) => o.mixes.includes(m.name)).flatMap((mix) =>
            o.connections.map((c) => {
              const ours = pairs.get(keyOf(mix.name, 'adsm', o.workers[0]!, c))!;
              const base = pairs.get(keyOf(mix.name, 'baseline', o.workers[0]!, c))!;
              return {
                mix: mix.name,
                connections: c,
                ...pairedWithBaseline(
                  ours.map((p) => p.adsm),
                  base.map((p) => p.adsm),
                ),
              };
            }),
          );
    return {
      mode,
      ads: n,
      loading,
      rssLoadedMb,
      restart,
      space: { distinct: list.distinct, meanBytes: list.meanBytes, zipfS: ZIPF_S },
      checks,
      rows,
      scaling,
      vsBaseline,
    };
  } finally {
    for (const s of servers) await s.stop('SIGTERM');
    for (const s of stores) await s.drop();
  }
}

export type ReadResult = Awaited<ReturnType<typeof readScenario>>;

/** Prints the summary table and the verdicts; returns the verdicts (a FAIL makes the run exit 1 only for wrong answers and errors). */
export function printReads(r: ReadResult, o: Options): { verdicts: string[]; failed: boolean } {
  printTable(
    `reads: ${r.mode}, ${r.ads} ads, ${o.tool}, ${o.rounds} x ${o.durationS} s; every request drawn fresh from the ${r.space.distinct} queries of the seed space (uniform, or zipf s=${r.space.zipfS}); median (min-max) over rounds; ms; busy = machine busy before a pair, without our load`,
    [
      [
        'mix',
        'server',
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
        'cache hits',
        'busy',
      ],
      ...r.rows.map((x) => [
        x.mix,
        x.label,
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
        x.hitRate ? fmt(x.hitRate, 3) : 'no cache',
        fmt(x.busyBefore, 2),
      ]),
    ],
  );
  for (const s of r.scaling)
    console.log(
      `  ${s.mix}: adsm with ${s.workers} workers / with ${o.workers[0]}, c=${s.connections}, paired by round: ${fmt(s.overFirst, 3)}`,
    );
  for (const b of r.vsBaseline) console.log(`  ${b.mix}, c=${b.connections}, ${baselineLine(b)}`);
  const verdicts: string[] = [];
  const verdict = (ok: boolean, text: string) => verdicts.push(`${ok ? 'PASS' : 'FAIL'}  ${text}`);
  for (const c of r.checks) for (const e of c.examples) console.log(`    ! ${c.label} ${c.mix}: ${e}`);
  const checked = new Map<string, { queries: number; wrong: number }>();
  for (const c of r.checks) {
    const k = `${c.label}, ${c.mix}`;
    const sum = checked.get(k) ?? { queries: 0, wrong: 0 };
    checked.set(k, { queries: sum.queries + c.queries, wrong: sum.wrong + c.wrong });
  }
  for (const [k, c] of checked)
    verdict(c.wrong === 0, `${k}: ${c.queries} answers checked against brute force, ${c.wrong} wrong`);
  const errors = r.rows.reduce((a, x) => a + x.errors, 0);
  verdict(errors === 0, `${errors} errors under load`);
  const topC = Math.max(...o.connections);
  const targets: Record<string, number> = { uniform: 0.9, zipf: 0.95 };
  for (const x of r.rows)
    if (x.label === 'adsm' && x.workers === 1 && x.connections === topC)
      verdict(
        x.ratio.median >= targets[x.mix]!,
        `${x.mix}, 1 worker, c=${topC}: adsm/raw ${fmt(x.ratio, 3)}, cpu/answer raw/adsm ${fmt(x.cpuRatio, 3)}, cache hits ${x.hitRate ? fmt(x.hitRate, 3) : 'none (no cache)'} (target >= ${targets[x.mix]!.toFixed(2)})`,
      );
  for (const s of r.scaling.filter((x) => x.workers === 2 && x.connections === topC))
    verdict(
      s.overFirst.median >= 1.3,
      `${s.mix}: 2 workers / 1 worker: ${fmt(s.overFirst, 3)} (target >= 1.3)`,
    );
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
  const wrong = r.checks.reduce((a, c) => a + c.wrong, 0);
  return { verdicts, failed: wrong > 0 || errors > 0 };
}
