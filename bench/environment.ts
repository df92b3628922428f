/**
 * Where a benchmarked server keeps its data. Embedded: a fresh temporary DATA_DIR. Replicated: a
 * throw-away environment: a fresh Postgres database `adsm_bench_<ts>` (adsm migrates
 * it on start) and a unique Redis key prefix; `drop()` removes both afterwards.
 * DATABASE_URL and REDIS_URL name the servers (defaults: local Postgres as `postgres`, local Redis).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface BenchEnv {
  /** Environment for adsm: DATA_DIR, or DATABASE_URL (the fresh database), REDIS_URL, REDIS_PREFIX. */
  readonly env: Record<string, string>;
  readonly mode: 'embedded' | 'replicated';
  /** A scratch directory for the benchmark's own files (removed by `drop`). */
  readonly scratch: string;
  drop(): Promise<void>;
}

export async function createBenchEnv(replicated: boolean): Promise<BenchEnv> {
  const scratch = mkdtempSync(join(tmpdir(), 'adsm-bench-'));
  const removeScratch = () => rmSync(scratch, { recursive: true, force: true });
  if (!replicated) {
    const dataDir = join(scratch, 'data');
    mkdirSync(dataDir);
    return {
      env: { DATA_DIR: dataDir },
      mode: 'embedded',
      scratch,
      drop: () => Promise.resolve(removeScratch()),
    };
  }
  return createReplicatedEnv(scratch, removeScratch);
}

async function createReplicatedEnv(scratch: string, removeScratch: () => void): Promise<BenchEnv> {
  const adminUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const redisUrl = process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
  const stamp = `${Date.now()}_${process.pid}`;
  const database = `adsm_bench_${stamp}`;
  const prefix = `adsm-bench-${stamp}`;

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;

  return {
    env: { DATABASE_URL: url.toString(), REDIS_URL: redisUrl, REDIS_PREFIX: prefix },
    mode: 'replicated',
    scratch,
    async drop() {
      removeScratch();
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
      } finally {
        await client.end();
      }
      const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
      try {
        for (const pattern of [`${prefix}:*`, `${prefix}`, `bull:${prefix}*`]) {
          let cursor = '0';
          do {
            const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
            cursor = next;
            if (keys.length > 0) await redis.del(...keys);
          } while (cursor !== '0');
        }
      } finally {
        redis.disconnect();
      }
    },
  };
}
