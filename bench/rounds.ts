/**
 * Timed load rounds: reads interleaved raw/adsm/raw/adsm (so drift of the machine hits both
 * alike) with paired ratios, and write rounds against adsm alone. Summaries are medians with the
 * min-max spread over rounds.
 */
import type { LoadKind, LoadResult, LoadTool } from './load-tool.js';
import { backgroundBusy, measure, type CpuUse } from './proc-stats.js';
import { spread, type Spread } from './report.js';
import type { ServerProcess } from './server-process.js';

export interface RoundOptions {
  readonly tool: LoadTool;
  readonly connections: readonly number[];
  readonly rounds: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly threads: number;
  /** Before each timed run (or raw/adsm pair), wait until other processes keep the machine below this share busy… */
  readonly quietBelow: number;
  /** …but at most this many seconds. */
  readonly quietWaitS: number;
}

/**
 * Measures for 1 s how busy the machine is without our load and, while that is above
 * `quietBelow`, keeps measuring for up to `quietWaitS` seconds. Returns the last figure (0..1).
 */
async function waitQuiet(o: RoundOptions): Promise<number> {
  const start = performance.now();
  let busy = await backgroundBusy(1_000);
  let said = false;
  while (busy > o.quietBelow && performance.now() - start < o.quietWaitS * 1000) {
    if (!said)
      console.log(`  machine ${Math.round(busy * 100)}% busy: waiting up to ${o.quietWaitS} s for quiet`);
    said = true;
    busy = await backgroundBusy(1_000);
  }
  if (busy > o.quietBelow)
    console.log(`  still ${Math.round(busy * 100)}% busy: running anyway (marked in the results)`);
  return busy;
}

export interface Run {
  readonly load: LoadResult;
  readonly cpu: CpuUse;
}

export interface RunSummary {
  readonly rps: Spread;
  readonly p50Ms: Spread;
  readonly p99Ms: Spread;
  readonly maxMs: Spread;
  /** Sum over rounds. */
  readonly non2xx: number;
  readonly socketErrors: number;
  /** CPU cores the server used, and how busy the whole machine was. */
  readonly serverCores: Spread;
  readonly boxBusy: Spread;
  readonly rssAfterMb: Spread;
}

export function summarize(runs: readonly Run[]): RunSummary {
  const of = (f: (r: Run) => number, digits = 2) => spread(runs.map(f), digits);
  return {
    rps: of((r) => r.load.rps, 0),
    p50Ms: of((r) => r.load.latencyMs.p50, 3),
    p99Ms: of((r) => r.load.latencyMs.p99, 3),
    maxMs: of((r) => r.load.latencyMs.max, 3),
    non2xx: runs.reduce((a, r) => a + r.load.non2xx, 0),
    socketErrors: runs.reduce((a, r) => a + r.load.socketErrors, 0),
    serverCores: of((r) => r.cpu.serverCores),
    boxBusy: of((r) => r.cpu.boxBusy),
    rssAfterMb: of((r) => r.cpu.rssAfterMb, 1),
  };
}

async function timed(
  server: ServerProcess,
  kind: LoadKind,
  c: number,
  o: RoundOptions,
  durationS = o.durationS,
): Promise<Run> {
  const done = measure(server.pid);
  try {
    const load = await o.tool({ url: server.url, kind, connections: c, durationS, threads: o.threads });
    return { load, cpu: done() };
  } catch (err) {
    const status = server.exitStatus();
    if (status === undefined) throw err;
    throw new Error(
      `${server.name} (pid ${server.pid}) ended with ${status} during the run:\n${server.output()}`,
      {
        cause: err,
      },
    );
  }
}

const detail = (l: LoadResult): string => {
  const d = l.socketDetail;
  if (!d || l.socketErrors === 0) return '';
  return ` (connect ${d.connect}, read ${d.read}, write ${d.write}, timeout ${d.timeout})`;
};

const line = (label: string, c: number, r: Run) =>
  console.log(
    `  ${label.padEnd(8)} c=${String(c).padStart(3)}  ${String(r.load.rps).padStart(7)} req/s  ` +
      `p50 ${r.load.latencyMs.p50.toFixed(2)} ms  p99 ${r.load.latencyMs.p99.toFixed(2)} ms  ` +
      `max ${r.load.latencyMs.max.toFixed(1)} ms  non2xx ${r.load.non2xx}  sock ${r.load.socketErrors}${detail(r.load)}  ` +
      `cpu ${r.cpu.serverCores.toFixed(2)} box ${(r.cpu.boxBusy * 100).toFixed(0)}%  rss ${r.cpu.rssAfterMb} MB`,
  );

export interface ReadComparison {
  readonly connections: number;
  readonly raw: RunSummary;
  readonly adsm: RunSummary;
  /** adsm req/s / raw req/s of the same round, per round. */
  readonly ratio: Spread;
  /** Per round; `background` = share of the machine busy without our load just before the pair. */
  readonly rounds: { readonly raw: Run; readonly adsm: Run; readonly background: number }[];
  readonly background: Spread;
}

/** One adsm server and the raw baseline it is compared with; `label` tells several apart in the log. */
export interface Target {
  readonly label: string;
  readonly adsm: ServerProcess;
  readonly raw: ServerProcess;
}

/**
 * Per round, per connection count, per target: raw then adsm. Returns, per target, one
 * comparison per connection count.
 */
export async function readRounds(targets: readonly Target[], o: RoundOptions): Promise<ReadComparison[][]> {
  const top = Math.max(...o.connections);
  const name = (what: string, t: Target) => (t.label ? `${what} ${t.label}` : what);
  if (o.warmupS > 0) {
    console.log(`  warm-up ${o.warmupS} s each at c=${top}`);
    for (const t of targets) {
      await timed(t.raw, 'read', top, o, o.warmupS);
      await timed(t.adsm, 'read', top, o, o.warmupS);
    }
  }
  type Pair = { raw: Run; adsm: Run; background: number };
  const runs = targets.map(() => new Map<number, Pair[]>(o.connections.map((c) => [c, []])));
  for (let round = 1; round <= o.rounds; round++) {
    console.log(`  round ${round}/${o.rounds}`);
    for (const c of o.connections) {
      for (const [i, t] of targets.entries()) {
        const background = await waitQuiet(o);
        const r = await timed(t.raw, 'read', c, o);
        line(name('raw', t), c, r);
        const a = await timed(t.adsm, 'read', c, o);
        line(name('adsm', t), c, a);
        runs[i]!.get(c)!.push({ raw: r, adsm: a, background });
      }
    }
  }
  return runs.map((byConnections) =>
    o.connections.map((c) => {
      const pairs = byConnections.get(c)!;
      return {
        connections: c,
        raw: summarize(pairs.map((p) => p.raw)),
        adsm: summarize(pairs.map((p) => p.adsm)),
        ratio: spread(
          pairs.map((p) => p.adsm.load.rps / p.raw.load.rps),
          3,
        ),
        rounds: pairs,
        background: spread(
          pairs.map((p) => p.background),
          2,
        ),
      };
    }),
  );
}

export interface WriteSeries {
  readonly connections: number;
  readonly adsm: RunSummary;
  readonly rounds: (Run & { readonly background: number })[];
}

export async function writeRounds(adsm: ServerProcess, o: RoundOptions): Promise<WriteSeries[]> {
  if (o.warmupS > 0) {
    console.log(`  warm-up ${o.warmupS} s of creates at c=${Math.min(...o.connections)}`);
    await timed(adsm, 'write', Math.min(...o.connections), o, o.warmupS);
  }
  const runs = new Map<number, (Run & { background: number })[]>(o.connections.map((c) => [c, []]));
  for (let round = 1; round <= o.rounds; round++) {
    console.log(`  round ${round}/${o.rounds}`);
    for (const c of o.connections) {
      const background = await waitQuiet(o);
      const w = await timed(adsm, 'write', c, o);
      line('adsm', c, w);
      runs.get(c)!.push({ ...w, background });
    }
  }
  return o.connections.map((c) => ({ connections: c, adsm: summarize(runs.get(c)!), rounds: runs.get(c)! }));
}
