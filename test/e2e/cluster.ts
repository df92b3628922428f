import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { startServer, tempDir, type Server, type StartOptions } from './process.js';
import { TEST_REDIS_URL } from '../support/redis.js';

const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_BASE = TEST_REDIS_URL;

/**
 * A throw-away replicated environment for one test file or benchmark: its own Postgres database,
 * a Redis db number and its own key prefix, and any number of replica processes sharing them.
 * The replicas run with the quotas off and a short poll interval unless `env` says otherwise,
 * and keep their spools in one temporary DATA_DIR (each process takes its own file there, as
 * replicas sharing a directory do), never in the checkout.
 */
export class Cluster {
  readonly database = `adsm_e2e_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  readonly prefix = `e2e-${randomUUID().slice(0, 8)}`;
  readonly replicas: Server[] = [];
  readonly dataDir = tempDir();
  pool!: pg.Pool;
  redis!: Redis;

  constructor(
    readonly redisDb: number,
    readonly env: Record<string, string> = {},
    /** Another Redis than the tests' shared one (a server the test starts and stops itself). */
    readonly redisBase: string = REDIS_BASE,
  ) {}

  get databaseUrl(): string {
    const u = new URL(ADMIN_URL);
    u.pathname = `/${this.database}`;
    return u.toString();
  }

  get redisUrl(): string {
    return `${this.redisBase}/${this.redisDb}`;
  }

  async setup(): Promise<void> {
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${this.database}`);
    await admin.end();
    this.pool = new pg.Pool({ connectionString: this.databaseUrl, max: 2 });
    // DROP DATABASE … WITH (FORCE) at teardown ends connections that are still closing.
    this.pool.on('error', () => undefined);
    this.redis = new Redis(this.redisUrl);
    // A Redis the test stops is expected to fail.
    this.redis.on('error', () => undefined);
  }

  async start(opts: StartOptions = {}): Promise<Server> {
    const server = await startServer({
      ...opts,
      env: {
        DATA_DIR: this.dataDir.path,
        DATABASE_URL: this.databaseUrl,
        REDIS_URL: this.redisUrl,
        REDIS_PREFIX: this.prefix,
        WORKERS: '1',
        MAX_ADS_PER_DAY: '0',
        MAX_ACTIVE_ADS: '0',
        POLL_INTERVAL_MS: '200',
        ...this.env,
        ...opts.env,
      },
    });
    this.replicas.push(server);
    return server;
  }

  /** Kills the replicas, drops the database and deletes the prefix's keys. */
  async teardown(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.stop('SIGKILL')));
    await this.pool?.end();
    await this.deleteKeys().catch(() => undefined);
    this.redis?.disconnect();
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${this.database} WITH (FORCE)`);
    await admin.end();
    this.dataDir.remove();
  }

  /** Deletes every key of the prefix: what a Redis that restarted empty leaves this cluster. */
  async deleteKeys(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await this.redis.del(...keys);
    } while (cursor !== '0');
  }

  /** Live ads as Postgres holds them, by id. */
  async storedAds(): Promise<Map<string, unknown>> {
    const { rows } = await this.pool.query<{ id: string; data: unknown }>(
      'SELECT id, data FROM ads WHERE NOT expired ORDER BY id',
    );
    return new Map(rows.map((r) => [r.id, typeof r.data === 'string' ? JSON.parse(r.data) : r.data]));
  }

  async headSeq(): Promise<number> {
    const { rows } = await this.pool.query<{ seq: string }>('SELECT coalesce(max(seq), 0) AS seq FROM log');
    return Number(rows[0]?.seq ?? 0);
  }
}

export async function metric(server: Server, name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').pop()) : NaN;
}

/** Every page of the public query: what a client sees. */
export async function publicView(server: Server): Promise<{ id: string; title: string; endAt: string }[]> {
  const all: { id: string; title: string; endAt: string }[] = [];
  for (let offset = 0; ; offset += 100) {
    const res = await fetch(`${server.url}/api/v1/ad?limit=100&offset=${offset}`);
    const body = (await res.json()) as { items: { id: string; title: string; endAt: string }[] };
    all.push(...body.items);
    if (body.items.length < 100) return all;
  }
}

/** Waits until every replica has applied the store's head and shows the same public view. */
export async function converged(cluster: Cluster, servers: Server[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const head = await cluster.headSeq();
    const seqs = await Promise.all(servers.map((s) => metric(s, 'adsm_applied_seq')));
    if (seqs.every((s) => s === head)) {
      const views = await Promise.all(servers.map((s) => publicView(s)));
      if (views.every((v) => JSON.stringify(v) === JSON.stringify(views[0]))) return;
    }
    if (Date.now() > deadline) throw new Error(`not converged: head ${head}, replicas at ${seqs.join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
