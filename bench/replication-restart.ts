/**
 * Replication benchmark, phase 3: restart-to-ready of one replica holding 100,000 ads. The ads
 * are written straight into Postgres in the store's own formats (log rows with create entries
 * seq 1..n, ads rows, log_head), then a replica is started (a) with no snapshot, replaying the
 * whole log, and (b) after (a) stopped with SIGTERM, which stores a snapshot on shutdown.
 */
import { Redis } from 'ioredis';
import type { Ad } from '../src/model/ad.js';
import type { CreateEntry } from '../src/statemachine/entries.js';
import { migratePostgres } from '../src/store/postgres-migrate.js';
import { seedAds } from './dataset.js';
import { createHttpClient } from './http-client.js';
import { sampleTree } from './proc-stats.js';
import { createReference } from './reference-check.js';
import { waitReady, type ServerProcess } from './server-process.js';
import { BenchCluster, REDIS_URL, scrape, sleep } from './replication-cluster.js';

export interface StartFigures {
  /** Spawn to the first GET /readyz 200. */
  readonly readyMs: number;
  readonly rssAtReadyMb: number;
  /**
   * Spawn to the end of the work that follows readiness (re-adding every ad's expiry job to
   * BullMQ): the first 1 s window in which the replica used under 5% of a core.
   */
  readonly idleMs: number | undefined;
  /** CPU seconds the replica used between /readyz 200 and idle, and its RSS once idle. */
  readonly cpuAfterReadyS: number;
  readonly rssWhenIdleMb: number | undefined;
  /** Expiry jobs waiting in the BullMQ queue once idle (every live ad has one). */
  readonly expiryJobs: number;
  readonly peakRssMb: number;
  readonly liveAds: number;
  readonly activeAds: number;
  readonly appliedSeq: number;
  /** A filtered public query paged to the end, compared id by id with a brute-force answer. */
  readonly check: { query: string; expected: number; got: number; identical: boolean; ms: number };
  /** SIGTERM to exit (only for the replica that is stopped to write the snapshot). */
  readonly stop?: { code: number | string; ms: number };
}

export interface RestartResult {
  readonly ads: number;
  readonly insertMs: number;
  readonly noSnapshot: StartFigures;
  readonly snapshot: { seq: number; textBytes: number; storedBytes: number } | undefined;
  readonly withSnapshot: StartFigures | undefined;
}

const CHECK = { age: 30, gender: 'F', country: 'TW', platform: 'ios' } as const;

const DAY = 86_400_000;

/**
 * n ads active now and ending 1-31 days from now (the seed generator's window moved one day on,
 * so none expires during the run), each committed as one create entry; `at` rises 1 ms per entry.
 */
function makeEntries(n: number): CreateEntry[] {
  const now = Date.now();
  const base = now - n - 60_000;
  return seedAds(n, { seed: 42, now }).map((ad, i): CreateEntry => {
    const at = base + i;
    const stored: Ad = { ...ad, endAt: ad.endAt + DAY, createdAt: at, updatedAt: at };
    return { type: 'create', at, ad: stored, seq: i + 1 };
  });
}

/** The store's rows for `entries`, a few big INSERT … SELECT FROM unnest(…) statements in one transaction. */
async function insertDirect(cluster: BenchCluster, entries: readonly CreateEntry[]): Promise<number> {
  const start = performance.now();
  await migratePostgres(cluster.pool);
  const client = await cluster.pool.connect();
  try {
    await client.query('BEGIN');
    for (let from = 0; from < entries.length; from += 25_000) {
      const batch = entries.slice(from, from + 25_000);
      await client.query(
        'INSERT INTO log (seq, entry, at) SELECT * FROM unnest($1::bigint[], $2::json[], $3::bigint[])',
        [batch.map((e) => e.seq), batch.map((e) => JSON.stringify(e)), batch.map((e) => e.at)],
      );
      await client.query(
        `INSERT INTO ads (id, data, end_at, version, expired)
         SELECT id, data, end_at, version, false FROM unnest($1::text[], $2::json[], $3::bigint[], $4::int[])
           AS t(id, data, end_at, version)`,
        [
          batch.map((e) => e.ad.id),
          batch.map((e) => JSON.stringify(e.ad)),
          batch.map((e) => e.ad.endAt),
          batch.map((e) => e.ad.version),
        ],
      );
    }
    await client.query('UPDATE log_head SET seq = $1 WHERE id = 1', [entries.length]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  await cluster.pool.query('ANALYZE log; ANALYZE ads');
  return Math.round(performance.now() - start);
}

/** Pages the filtered public query to its end and compares it with the brute-force answer. */
async function checkQuery(server: ServerProcess, ads: readonly Ad[]): Promise<StartFigures['check']> {
  const start = performance.now();
  const now = Date.now();
  const want = createReference(ads)
    .page({ query: CHECK, offset: 0, limit: Number.MAX_SAFE_INTEGER }, now)
    .map((a) => a.id);
  const client = createHttpClient(server.url, 1);
  const got: string[] = [];
  const params = new URLSearchParams({ ...CHECK, age: String(CHECK.age), limit: '100' });
  try {
    for (let offset = 0; offset <= want.length + 100; offset += 100) {
      params.set('offset', String(offset));
      const res = await client.request('GET', `/api/v1/ad?${params.toString()}`);
      if (res.status !== 200) throw new Error(`query answered ${res.status}: ${res.body.slice(0, 200)}`);
      const items = (JSON.parse(res.body) as { items: { id: string }[] }).items;
      got.push(...items.map((i) => i.id));
      if (items.length < 100) break;
    }
  } finally {
    client.close();
  }
  const identical = got.length === want.length && got.every((id, i) => id === want[i]);
  return {
    query: params.toString().replace(/&?offset=\d+/, ''),
    expected: want.length,
    got: got.length,
    identical,
    ms: Math.round(performance.now() - start),
  };
}

/** performance.now() at the start of the first 1 s in which `pid` used < 5% of a core (undefined by `deadline`). */
async function waitIdle(pid: number, deadline: number): Promise<number | undefined> {
  let prev = sampleTree(pid);
  while (performance.now() < deadline) {
    await sleep(1_000);
    const next = sampleTree(pid);
    if (next.cpuSeconds - prev.cpuSeconds < 0.05) return prev.at;
    prev = next;
  }
  return undefined;
}

/** Jobs in the BullMQ expiry queue's delayed set (`<prefix>:adsm-expiry:delayed`). */
async function delayedJobs(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
  try {
    return await redis.zcard(`${prefix}:adsm-expiry:delayed`);
  } finally {
    redis.disconnect();
  }
}

/** Starts one replica on the store and takes every figure of `StartFigures` but `stop`. */
async function timedStart(cluster: BenchCluster, name: string, ads: readonly Ad[]) {
  const since = performance.now();
  const server = await cluster.spawn(name);
  const readyMs = await waitReady(server, 180_000, since);
  const rssAtReadyMb = sampleTree(server.pid).rssMb;
  console.log(`  ${name}: /readyz 200 after ${readyMs} ms, RSS ${rssAtReadyMb} MB`);
  const cpuAtReady = sampleTree(server.pid).cpuSeconds;
  const idleAt = await waitIdle(server.pid, since + 180_000);
  const idleMs = idleAt === undefined ? undefined : Math.round(idleAt - since);
  const cpuAfterReadyS = Math.round((sampleTree(server.pid).cpuSeconds - cpuAtReady) * 10) / 10;
  const rssWhenIdleMb = idleAt === undefined ? undefined : sampleTree(server.pid).rssMb;
  const expiryJobs = await delayedJobs(cluster.prefix);
  console.log(
    `  ${name}: idle after ${idleMs ?? 'n/a'} ms (${cpuAfterReadyS} CPU s after ready), ${expiryJobs} expiry jobs queued`,
  );
  const metrics = await scrape(server.url);
  const check = await checkQuery(server, ads);
  const figures: StartFigures = {
    readyMs,
    rssAtReadyMb,
    idleMs,
    cpuAfterReadyS,
    rssWhenIdleMb,
    expiryJobs,
    peakRssMb: sampleTree(server.pid).peakRssMb,
    liveAds: metrics.get('adsm_live_ads') ?? NaN,
    activeAds: metrics.get('adsm_active_ads') ?? NaN,
    appliedSeq: metrics.get('adsm_applied_seq') ?? NaN,
    check,
  };
  return { server, figures };
}

export async function restartWithAds(n: number): Promise<RestartResult> {
  const cluster = await BenchCluster.create('restart');
  try {
    const entries = makeEntries(n);
    const ads = entries.map((e) => e.ad);
    const insertMs = await insertDirect(cluster, entries);
    console.log(`  inserted ${n} create entries and ads rows into Postgres in ${insertMs} ms`);

    const a = await timedStart(cluster, 'replica (no snapshot)', ads);
    const stop = await a.server.stop();
    const noSnapshot: StartFigures = { ...a.figures, stop };
    console.log(`  stopped with SIGTERM in ${stop.ms} ms (exit ${stop.code})`);

    const { rows } = await cluster.pool.query<{ seq: string; text_bytes: number; stored_bytes: number }>(
      `SELECT seq, octet_length(data) AS text_bytes, pg_column_size(data) AS stored_bytes
         FROM snapshots ORDER BY seq DESC LIMIT 1`,
    );
    const row = rows[0];
    const snapshot = row && {
      seq: Number(row.seq),
      textBytes: row.text_bytes,
      storedBytes: row.stored_bytes,
    };
    if (!snapshot) {
      console.log('  no snapshot was stored on shutdown: skipping the start from a snapshot');
      return { ads: n, insertMs, noSnapshot, snapshot, withSnapshot: undefined };
    }
    console.log(
      `  snapshot at seq ${snapshot.seq}: ${snapshot.textBytes} bytes (${snapshot.storedBytes} stored)`,
    );

    const b = await timedStart(cluster, 'replica (snapshot)', ads);
    return { ads: n, insertMs, noSnapshot, snapshot, withSnapshot: b.figures };
  } finally {
    await cluster.drop();
  }
}
