/** Command-line options of `npm run bench` (see bench/README.md). */
import { parseArgs } from 'node:util';
import type { DatasetName } from './load-data.js';
import { hasWrk } from './wrk.js';

export interface Options {
  readonly dataset: DatasetName;
  readonly replicated: boolean;
  /** Worker counts to measure in turn (replicated mode only may go above 1). */
  readonly workers: number[];
  readonly durationS: number;
  readonly rounds: number;
  readonly warmupS: number;
  readonly connections: number[];
  readonly tool: 'wrk' | 'autocannon';
  readonly threads: number;
  /** Wait (up to quietWaitS) before each timed run until the machine is less busy than this (0..1). */
  readonly quietBelow: number;
  readonly quietWaitS: number;
  /** Queries of the mix checked against the reference (0 = no check). */
  readonly check: number;
  /** Creates in flight while loading the dataset. */
  readonly loadConcurrency: number;
  /** Send an Idempotency-Key with every create of the dataset (and retry socket errors). */
  readonly idempotencyKeys: boolean;
  /** Size the raw baseline's page should be close to (a real adsm answer is picked). */
  readonly rawBytes: number;
  readonly reads: boolean;
  readonly writes: boolean;
  readonly index: boolean;
  /** Sizes for the index micro-benchmark (its default when empty). */
  readonly indexSizes: string[];
  readonly build: boolean;
  readonly logLevel: string;
}

export const USAGE = `usage: npm run bench -- [options]
  --dataset seed|scale   1,000 active ads (default) or 100,000 with the quotas off
  --replicated           Postgres + Redis (fresh database, unique REDIS_PREFIX) instead of embedded
  --workers 1,2          worker counts to measure in turn (>1 needs --replicated)
  --duration 10          seconds per timed run          --rounds 3    paired rounds
  --warmup 3             seconds of warm-up per server  --connections 8,64
  --tool wrk|autocannon  default wrk when /usr/bin/wrk exists
  --threads 1            wrk threads
  --quiet-below 15       before each timed run wait until other processes use < 15% of the machine…
  --quiet-wait 120       …for at most this many seconds (0: never wait)
  --check 500            queries of the mix checked against the brute-force reference
  --load-concurrency 32  creates in flight while loading the dataset
  --idempotency-keys     send an Idempotency-Key with every dataset create (the server keeps a reply per key)
  --raw-bytes 300        the raw baseline serves the adsm answer closest to this size
  --reads                the read benchmark (default unless --writes or --index is given)
  --writes               the write benchmark (creates/s and latency)
  --index [sizes…]       the in-process index micro-benchmark (bench/index-bench.ts)
  --quick                ~30 s smoke run: 3 s runs, 1 round, 1 s warm-up, 100 checked queries
  --no-build             do not run \`npm run build\` first
  --log-level info       LOG_LEVEL of the server`;

const ints = (s: string, name: string): number[] => {
  const xs = s.split(',').map((x) => Number(x.trim()));
  if (xs.length === 0 || xs.some((x) => !Number.isInteger(x) || x < 1))
    throw new Error(`--${name}: expected positive integers, got "${s}"`);
  return xs;
};

const int = (s: string | undefined, def: number, name: string, min = 1): number => {
  if (s === undefined) return def;
  const x = Number(s);
  if (!Number.isInteger(x) || x < min)
    throw new Error(`--${name}: expected an integer >= ${min}, got "${s}"`);
  return x;
};

export function parseOptions(argv: string[]): Options {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      dataset: { type: 'string', default: 'seed' },
      replicated: { type: 'boolean', default: false },
      workers: { type: 'string', default: '1' },
      duration: { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string', default: '8,64' },
      tool: { type: 'string' },
      threads: { type: 'string' },
      'quiet-below': { type: 'string' },
      'quiet-wait': { type: 'string' },
      check: { type: 'string' },
      'load-concurrency': { type: 'string' },
      'raw-bytes': { type: 'string' },
      'idempotency-keys': { type: 'boolean', default: false },
      reads: { type: 'boolean', default: false },
      writes: { type: 'boolean', default: false },
      index: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (values.dataset !== 'seed' && values.dataset !== 'scale')
    throw new Error(`--dataset: seed or scale, got "${values.dataset}"`);
  const tool = values.tool ?? (hasWrk() ? 'wrk' : 'autocannon');
  if (tool !== 'wrk' && tool !== 'autocannon') throw new Error(`--tool: wrk or autocannon, got "${tool}"`);
  if (tool === 'wrk' && !hasWrk())
    throw new Error('--tool wrk: /usr/bin/wrk not found (apt-get install wrk, or use --tool autocannon)');
  const workers = ints(values.workers, 'workers');
  if (!values.replicated && workers.some((w) => w > 1)) {
    throw new Error(
      '--workers above 1 needs --replicated (embedded mode refuses WORKERS>1: one process owns the SQLite file)',
    );
  }
  const quick = values.quick;
  const index = values.index;
  const writes = values.writes;
  return {
    dataset: values.dataset,
    replicated: values.replicated,
    workers,
    durationS: int(values.duration, quick ? 3 : 10, 'duration'),
    rounds: int(values.rounds, quick ? 1 : 3, 'rounds'),
    warmupS: int(values.warmup, quick ? 1 : 3, 'warmup', 0),
    connections: ints(values.connections, 'connections'),
    tool,
    threads: int(values.threads, 1, 'threads'),
    quietBelow: int(values['quiet-below'], 15, 'quiet-below', 0) / 100,
    quietWaitS: int(values['quiet-wait'], quick ? 0 : 120, 'quiet-wait', 0),
    check: int(values.check, quick ? 100 : 500, 'check', 0),
    loadConcurrency: int(values['load-concurrency'], 32, 'load-concurrency'),
    idempotencyKeys: values['idempotency-keys'],
    rawBytes: int(values['raw-bytes'], 300, 'raw-bytes'),
    reads: values.reads || (!writes && !index),
    writes,
    index,
    indexSizes: positionals,
    build: !values['no-build'],
    logLevel: values['log-level'],
  };
}
