/**
 * Shared pieces of the replication benchmark (bench/replication.ts): a throw-away replicated
 * environment (a fresh Postgres database, Redis db 9 with a unique key prefix) with any number of
 * replica processes, metric scraping, small statistics, and the wait for a quiet machine.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { backgroundBusy } from './proc-stats.js';
import { percentile } from './report.js';
import { freePort, spawnServer, type ServerProcess } from './server-process.js';

export const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_DB = 9;
export const REDIS_URL = `redis://127.0.0.1:6379/${REDIS_DB}`;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Occurrences of `needle` in `text`. */
export const count = (text: string, needle: string): number => text.split(needle).length - 1;

/** The warning a replica logs when it gave up waiting for the Redis write lock and wrote without it. */
export const LOCK_TIMEOUT_LOG = 'write lock not acquired in time';

/** Empties Redis db 9 (the benchmark's own db). */
export async function flushRedis(): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
  try {
    await redis.flushdb();
  } finally {
    redis.disconnect();
  }
}

export class BenchCluster {
  readonly replicas: ServerProcess[] = [];
  readonly pool: pg.Pool;

  private constructor(
    readonly database: string,
    readonly prefix: string,
    readonly serverEnv: Record<string, string>,
  ) {
    this.pool = new pg.Pool({ connectionString: this.databaseUrl, max: 4 });
  }

  /** Creates the database; replicas migrate it on start (or call `migratePostgres` on `pool`). */
  static async create(name: string, serverEnv: Record<string, string> = {}): Promise<BenchCluster> {
    const stamp = `${Date.now()}_${process.pid}`;
    const database = `adsm_repl_${name}_${stamp}`;
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
    } finally {
      await admin.end();
    }
    return new BenchCluster(database, `adsm-repl-${name}-${stamp}`, serverEnv);
  }

  get databaseUrl(): string {
    const u = new URL(ADMIN_URL);
    u.pathname = `/${this.database}`;
    return u.toString();
  }

  /** Spawns one replica (`node dist/main.js`, WORKERS=1, quotas off) without waiting for it. */
  async spawn(name: string, env: Record<string, string> = {}): Promise<ServerProcess> {
    const server = spawnServer(name, ['dist/main.js'], await freePort(), {
      DATABASE_URL: this.databaseUrl,
      REDIS_URL,
      REDIS_PREFIX: this.prefix,
      WORKERS: '1',
      MAX_ADS_PER_DAY: '0',
      MAX_ACTIVE_ADS: '0',
      LOG_LEVEL: 'info',
      ...this.serverEnv,
      ...env,
    });
    this.replicas.push(server);
    return server;
  }

  async headSeq(): Promise<number> {
    const { rows } = await this.pool.query<{ seq: string }>('SELECT seq FROM log_head WHERE id = 1');
    return Number(rows[0]?.seq ?? 0);
  }

  /** The `seq` of the create of ad `id`, looked for after `afterSeq`. */
  async seqOfAd(id: string, afterSeq: number): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ seq: string }>(
      `SELECT seq FROM log WHERE seq > $1 AND entry->'ad'->>'id' = $2 ORDER BY seq LIMIT 1`,
      [afterSeq, id],
    );
    return rows[0] ? Number(rows[0].seq) : undefined;
  }

  async liveAdsInStore(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM ads WHERE NOT expired');
    return Number(rows[0]?.n ?? 0);
  }

  /** SIGTERMs every replica still running. */
  async stopAll(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.stop()));
  }

  /** Stops the replicas, drops the database and removes the prefix's keys from db 9. */
  async drop(): Promise<void> {
    await this.stopAll().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(this.database)} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }
}

/** Every sample line of a Prometheus text page, by metric name (labels ignored: first wins). */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const name = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(line)?.[0];
    if (name && !out.has(name)) out.set(name, Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

export async function scrape(url: string): Promise<Map<string, number>> {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) });
  return parseMetrics(await res.text());
}

export async function appliedSeq(url: string): Promise<number> {
  return (await scrape(url)).get('adsm_applied_seq') ?? NaN;
}

export interface Summary {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export function summarize(values: readonly number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 100) / 100;
  const mean = s.length === 0 ? 0 : s.reduce((a, b) => a + b, 0) / s.length;
  return {
    n: s.length,
    p50: r(percentile(s, 50)),
    p99: r(percentile(s, 99)),
    max: r(s.at(-1) ?? 0),
    mean: r(mean),
  };
}

export const fmtSummary = (s: Summary): string => `p50 ${s.p50} / p99 ${s.p99} / max ${s.max} ms (n=${s.n})`;

/** What the machine was doing before a phase: other benchmarks waited for, idle share. */
export interface QuietNote {
  readonly phase: string;
  readonly waitedS: number;
  /** Still busy after 10 minutes of waiting: the phase ran anyway. */
  readonly gaveUp: boolean;
  /** The processes seen while waiting (first sighting). */
  readonly seen: string;
  /** Share of the machine busy over 1 s just before the phase (0..1); above 0.25 after 2 minutes' wait it ran anyway. */
  readonly busyBefore: number;
  /** Another benchmark seen while the phase ran ('' = none): its figures are suspect. */
  overlapped: string;
}

const OTHER_BENCH = 'wrk |autocannon|bench/run.ts';
/** Share of the machine other work may keep busy before a phase starts anyway (after 2 minutes). */
const BUSY_LIMIT = 0.25;

/**
 * Keeps the processes of `pgrep -af` output that are benchmarks: a linter or formatter whose
 * arguments merely name bench/autocannon.ts or bench/wrk.ts is not one.
 */
function benchmarkLines(pgrepOutput: string): string {
  return pgrepOutput
    .split('\n')
    .filter((line) => line.trim() !== '' && !/\b(eslint|prettier|tsc|vitest)\b/.test(line))
    .join('\n');
}

/** Other benchmark processes now running on the machine (pgrep run directly, not via a shell). */
export function otherBenchmarks(): string {
  try {
    return benchmarkLines(execFileSync('pgrep', ['-af', OTHER_BENCH], { encoding: 'utf8' }));
  } catch {
    return ''; // exit status 1: nothing matched
  }
}

/**
 * Waits (polling every 10 s, at most 10 minutes) while another benchmark runs on the machine, then
 * (at most 2 more minutes) while other work keeps more than a quarter of it busy.
 */
export async function waitQuiet(phase: string): Promise<QuietNote> {
  const start = Date.now();
  let seen = '';
  let gaveUp = false;
  for (let found = otherBenchmarks(); found !== ''; found = otherBenchmarks()) {
    if (seen === '') {
      seen = found.replace(/\s+/g, ' ').slice(0, 300);
      console.log(`  [${phase}] another benchmark is running (${seen}); waiting`);
    }
    if (Date.now() - start >= 600_000) {
      gaveUp = true;
      console.log(`  [${phase}] still busy after 10 minutes; running anyway`);
      break;
    }
    await sleep(10_000);
  }
  // Short jobs (type checks, linters, tests) are not benchmarks but still take the cores: give
  // them up to two more minutes to finish.
  let busyBefore = await backgroundBusy(1_000);
  const busyFrom = Date.now();
  while (busyBefore > BUSY_LIMIT && Date.now() - busyFrom < 120_000) {
    await sleep(4_000);
    busyBefore = await backgroundBusy(1_000);
  }
  const waitedS = Math.round((Date.now() - start) / 100) / 10;
  console.log(
    `\n== ${phase} == (waited ${waitedS} s for the machine; ${Math.round(busyBefore * 100)}% busy before)`,
  );
  return { phase, waitedS, gaveUp, seen, busyBefore, overlapped: '' };
}

const execFileAsync = promisify(execFile);

/** Looks for other benchmarks every 2 s while a phase runs; the result stops it. */
export function watchOthers(note: QuietNote): () => Promise<void> {
  let running: Promise<void> = Promise.resolve();
  const look = async (): Promise<void> => {
    try {
      const found = benchmarkLines((await execFileAsync('pgrep', ['-af', OTHER_BENCH])).stdout);
      if (note.overlapped === '' && found !== '') note.overlapped = found.replace(/\s+/g, ' ').slice(0, 300);
    } catch {
      // exit status 1: nothing matched
    }
  };
  const timer = setInterval(() => {
    running = look();
  }, 2_000);
  return async () => {
    clearInterval(timer);
    await running;
    await look();
  };
}
