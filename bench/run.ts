/**
 * `npm run bench [-- options]`: every benchmark of adsm (see bench/README.md). Builds adsm first,
 * runs it as a real process on a throw-away store and measures it from outside; results go to
 * bench/results/*.json. Exit status 1 on a wrong answer, an error under load or a failed phase.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from '../test/e2e/process.js';
import { indexBench } from './index-bench.js';
import { hasWrk } from './load.js';
import { printReads, readScenario } from './reads.js';
import { replicationBench } from './replication.js';
import { writeResult } from './stats.js';
import { writeScenario } from './writes.js';
import { eventsScenario } from './events.js';
import { firesScenario } from './fires.js';
import { backlogScenario } from './events-backlog.js';
import { decisionsScenario } from './decisions.js';
import { goalsScenario } from './goals.js';

const USAGE = `usage: npm run bench -- [what] [options]
what (default --reads):
  --reads                the query mixes against adsm and the raw node:http baseline (same bytes), interleaved
  --writes               creates/s and latency through the API
  --index [sizes…]       the targeting index in process against brute force (default 1000 10000 100000)
  --events               tracking: single-event and 100-event POSTs against a raw 202 server, stats under load,
                         then the backlog: --ads ads, one impression each per hour of the last 71 (RSS sampled)
  --fires                tracking URL fires (every URL fresh) against a raw 204 server, interleaved
  --backlog              the events benchmark's backlog phase only (--backlog-rounds N, default 1)
  --baseline-dist DIR    also time another build's dist/ (e.g. an older commit's, built) in the same rounds: reads
                         (one worker count), writes, the backlog, the fires, the decisions; paired ratios in the summary
  --decisions            POST /api/v1/decisions against the public query, without and with two caps per ad;
                         with --variant / --baseline-dist each such adsm (own store, same ads) also answers the
                         decisions each round, paired with this build's query and decisions (embedded or replicated)
  --goals                decisions on ads without goals against the same ads with a goal and even pacing, interleaved;
                         the budget store's round trips per 1,000 decisions
  --replication          3 replicas: write latency, convergence, Redis FLUSHDB, restart with --ads ads
options:
  --dataset seed|scale   1,000 active ads (default) or 100,000          --replicated   Postgres + Redis
  --workers 1,2          worker counts, side by side (>1 needs --replicated)
  --duration 10 --rounds 3 --warmup 3 --connections 8,64 --threads 1
  --tool wrk|autocannon  default wrk when /usr/bin/wrk exists
  --quiet-below 15 --quiet-wait 120   before each run wait up to 120 s for other processes to use < 15%
  --check 500            answers checked against brute force before the runs (100 more after)
  --mix uniform,zipf     reads drawn fresh per request from the seed space (108,000 queries): uniform, Zipf (s=1)
  --viewers mix|wide     decisions: viewers of the query mix (13,332 combinations, default), or wide: countries
                         out of all 249 codes (about 300,000 combinations), more than the candidate cache holds
  --variant NAME:K=V,..  also time adsm started with this environment (its own store, same ads); repeatable
  --writers 16 --ads 100000 --probes 200   replication: in flight per replica, restart size, convergence probes
  --quick                ~1 min smoke run: 1 round of 3 s, 1 s warm-up, 100 checked answers
  --no-build             do not run \`npm run build\` first        --log-level info
  --cpu-prof DIR         start adsm under node --cpu-prof, profiles written to DIR when it stops`;

const { values: v, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    reads: { type: 'boolean', default: false },
    writes: { type: 'boolean', default: false },
    index: { type: 'boolean', default: false },
    replication: { type: 'boolean', default: false },
    events: { type: 'boolean', default: false },
    fires: { type: 'boolean', default: false },
    backlog: { type: 'boolean', default: false },
    'backlog-rounds': { type: 'string', default: '1' },
    'baseline-dist': { type: 'string' },
    decisions: { type: 'boolean', default: false },
    goals: { type: 'boolean', default: false },
    dataset: { type: 'string', default: 'seed' },
    replicated: { type: 'boolean', default: false },
    workers: { type: 'string', default: '1' },
    duration: { type: 'string' },
    rounds: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string', default: '8,64' },
    threads: { type: 'string', default: '1' },
    tool: { type: 'string', default: hasWrk() ? 'wrk' : 'autocannon' },
    'quiet-below': { type: 'string', default: '15' },
    'quiet-wait': { type: 'string' },
    check: { type: 'string' },
    mix: { type: 'string', default: 'uniform,zipf' },
    viewers: { type: 'string', default: 'mix' },
    variant: { type: 'string', multiple: true, default: [] },
    writers: { type: 'string', default: '16' },
    ads: { type: 'string', default: '100000' },
    probes: { type: 'string', default: '200' },
    quick: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'info' },
    'cpu-prof': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const int = (s: string | undefined, def: number, name: string, min = 1): number => {
  const x = Number(s ?? def);
  if (!Number.isInteger(x) || x < min)
    throw new Error(`--${name}: expected an integer >= ${min}, got "${s}"`);
  return x;
};
const ints = (s: string, name: string) => s.split(',').map((x) => int(x, 0, name));

export interface Options {
  readonly dataset: 'seed' | 'scale';
  readonly replicated: boolean;
  readonly workers: number[];
  readonly durationS: number;
  readonly rounds: number;
  readonly warmupS: number;
  readonly connections: number[];
  readonly threads: number;
  readonly tool: 'wrk' | 'autocannon';
  /** Before each run, wait up to `quietWaitS` for the machine to be less busy than this (0..1). */
  readonly quietBelow: number;
  readonly quietWaitS: number;
  readonly check: number;
  /** The mixes timed (`uniform`, `zipf`). */
  readonly mixes: readonly string[];
  /** Extra adsm builds timed beside the default, `NAME:K=V,K=V` (environment), each on its own store. */
  readonly variants: readonly string[];
  /** Decisions' viewers: those of the query mix, or `wide` (countries out of every code). */
  readonly viewers: 'mix' | 'wide';
  readonly writers: number;
  readonly ads: number;
  readonly probes: number;
  readonly logLevel: string;
  /** Where adsm's CPU profiles go (`node --cpu-prof`), when set. */
  readonly cpuProf?: string | undefined;
  /** Another build's `dist/`, timed beside this one in the same rounds (reads, writes, decisions). */
  readonly baselineDist?: string | undefined;
}

function options(): Options {
  const q = v.quick;
  const { dataset, tool } = v;
  if (dataset !== 'seed' && dataset !== 'scale')
    throw new Error(`--dataset: seed or scale, got "${dataset}"`);
  if (tool !== 'wrk' && tool !== 'autocannon') throw new Error(`--tool: wrk or autocannon, got "${tool}"`);
  const workers = ints(v.workers, 'workers');
  const mixes = v.mix.split(',');
  for (const m of mixes)
    if (m !== 'uniform' && m !== 'zipf') throw new Error(`--mix: uniform and/or zipf, got "${m}"`);
  const { viewers } = v;
  if (viewers !== 'mix' && viewers !== 'wide') throw new Error(`--viewers: mix or wide, got "${viewers}"`);
  if (!v.replicated && workers.some((w) => w > 1))
    throw new Error(
      '--workers above 1 needs --replicated (embedded mode refuses WORKERS>1: one process owns the SQLite file)',
    );
  return {
    dataset,
    replicated: v.replicated,
    workers,
    durationS: int(v.duration, q ? 3 : 10, 'duration'),
    rounds: int(v.rounds, q ? 1 : 3, 'rounds'),
    warmupS: int(v.warmup, q ? 1 : 3, 'warmup', 0),
    connections: ints(v.connections, 'connections'),
    threads: int(v.threads, 1, 'threads'),
    tool,
    quietBelow: int(v['quiet-below'], 15, 'quiet-below', 0) / 100,
    quietWaitS: int(v['quiet-wait'], q ? 0 : 120, 'quiet-wait', 0),
    check: int(v.check, q ? 100 : 500, 'check', 0),
    mixes,
    variants: v.variant,
    viewers,
    writers: int(v.writers, 16, 'writers'),
    ads: int(v.ads, 100_000, 'ads'),
    probes: int(v.probes, 200, 'probes'),
    logLevel: v['log-level'],
    cpuProf: v['cpu-prof'] === undefined ? undefined : resolve(v['cpu-prof']),
    baselineDist: v['baseline-dist'] === undefined ? undefined : resolve(v['baseline-dist']),
  };
}

async function main(): Promise<number> {
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  const o = options();
  const meta = {
    date: new Date().toISOString(),
    commit: execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(),
    node: process.version,
    cpu: `${cpus().length} x ${cpus()[0]?.model ?? '?'}`,
    memGb: Math.round(totalmem() / 2 ** 30),
    loadAverage: loadavg(),
    options: o,
  };
  const reads =
    v.reads ||
    !(v.writes || v.index || v.replication || v.events || v.backlog || v.decisions || v.goals || v.fires);
  let status = 0;
  if (v.index)
    console.log(`wrote ${writeResult('index', { meta, rows: indexBench(positionals.map(Number)) })}`);
  if (
    !v['no-build'] &&
    (reads || v.writes || v.replication || v.events || v.backlog || v.decisions || v.goals || v.fires)
  )
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  if (reads) {
    const result = await readScenario(o);
    const { verdicts, failed } = printReads(result, o);
    if (failed) status = 1;
    const mode = o.replicated ? 'replicated' : 'embedded';
    console.log(`wrote ${writeResult(`reads-${o.dataset}-${mode}`, { meta, verdicts, result })}`);
  }
  if (v.decisions) {
    const mode = o.replicated ? 'replicated' : 'embedded';
    console.log(`wrote ${writeResult(`decisions-${mode}`, { meta, result: await decisionsScenario(o) })}`);
  }
  if (v.goals) {
    const mode = o.replicated ? 'replicated' : 'embedded';
    console.log(`wrote ${writeResult(`goals-${mode}`, { meta, result: await goalsScenario(o) })}`);
  }
  if (v.events && !v.backlog)
    console.log(`wrote ${writeResult('events', { meta, result: await eventsScenario(o) })}`);
  if (v.events || v.backlog) {
    const result = await backlogScenario(
      o,
      int(v['backlog-rounds'], 1, 'backlog-rounds'),
      v['baseline-dist'],
    );
    if (result.failed) status = 1;
    console.log(`wrote ${writeResult('events-backlog', { meta, result })}`);
  }
  if (v.fires)
    console.log(
      `wrote ${writeResult('fires', { meta, result: await firesScenario(o, v['baseline-dist']) })}`,
    );
  if (v.writes) console.log(`wrote ${writeResult('writes', { meta, result: await writeScenario(o) })}`);
  if (v.replication) {
    const result = await replicationBench(o);
    if (result.problems.length > 0) status = 1;
    console.log(`wrote ${writeResult('replication', { meta, result })}`);
  }
  return status;
}

process.on('SIGINT', () => process.exit(130)); // the exit handler kills the servers started
main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
