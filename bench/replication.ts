/**
 * The replication benchmark (`npm run bench -- --replication`): three replicas (`WORKERS=1`,
 * quotas off) on a fresh Postgres database and Redis db 15 (which it flushes), on this machine.
 *   1. creates through the API: `--writers` in flight on every replica for `--duration`, then
 *      one sequential client;
 *   2. convergence: `--probes` creates one at a time on rotating replicas, each followed until the
 *      two others report its seq in `adsm_applied_seq` (upper bound: one /metrics poll);
 *   3. Redis FLUSHDB while every replica takes creates: failed creates, and how long until a
 *      create made after the wipe is applied everywhere;
 *   4. restart-to-ready with `--ads` ads written straight into Postgres: replaying the whole log,
 *      then from the snapshot written on SIGTERM; RSS and a checked query.
 */
import { Cluster, metric } from '../test/e2e/cluster.js';
import type { Server } from '../test/e2e/process.js';
import { byEndThenId, httpClient, referencePage, type CreatedAd } from './check.js';
import { createBody, createRng, seedAd, seedAds } from './mix.js';
import { stopTimed } from './reads.js';
import type { Options } from './run.js';
import { measure, pct, percentile, round, sampleTree, waitQuiet } from './stats.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const summary = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return {
    n: s.length,
    p50: round(percentile(s, 50), 1),
    p99: round(percentile(s, 99), 1),
    max: round(s.at(-1) ?? 0, 1),
  };
};
const show = (s: ReturnType<typeof summary>) => `p50 ${s.p50} / p99 ${s.p99} / max ${s.max} ms (n=${s.n})`;

/** An endless supply of create bodies of seed ads active now. */
function bodies() {
  const rng = createRng(5);
  let i = 0;
  return () => createBody(seedAd(rng, `R ${i++}`, Date.now()));
}

async function create(client: ReturnType<typeof httpClient>, body: unknown) {
  const sentAt = performance.now();
  const res = await client.request('POST', '/api/v1/ad', body).catch(() => undefined);
  const ok = res?.status === 201;
  return {
    ok,
    ms: performance.now() - sentAt,
    sentAt,
    id: ok ? (JSON.parse(res.body) as { id: string }).id : undefined,
  };
}

/** `inFlight` loops of creates per server for `seconds`. */
async function writeLoad(servers: Server[], inFlight: number, seconds: number, next: () => unknown) {
  const clients = servers.map((s) => httpClient(s.url, inFlight));
  const cpu = servers.map((s) => measure(s.pid));
  const ms: number[] = [];
  let failed = 0;
  const end = performance.now() + seconds * 1000;
  const lane = async (c: ReturnType<typeof httpClient>) => {
    while (performance.now() < end) {
      const r = await create(c, next());
      if (r.ok) ms.push(r.ms);
      else failed++;
    }
  };
  await Promise.all(clients.flatMap((c) => Array.from({ length: inFlight }, () => lane(c))));
  const cores = cpu.reduce((a, stop) => a + stop().serverCores, 0);
  for (const c of clients) c.close();
  return {
    createsPerSec: Math.round(ms.length / seconds),
    latencyMs: summary(ms),
    failed,
    replicaCores: round(cores, 2),
  };
}

/** A server's `adsm_applied_seq`, 0 when it cannot say. */
const appliedSeq = (s: Server): Promise<number> =>
  metric(s, 'adsm_applied_seq').then(
    (n) => (Number.isFinite(n) ? n : 0),
    () => 0,
  );

/** performance.now() when every server's `adsm_applied_seq` is at least `seq` (undefined after 15 s). */
async function appliedEverywhere(servers: Server[], seq: number): Promise<number | undefined> {
  const at = await Promise.all(
    servers.map(async (s) => {
      for (const deadline = performance.now() + 15_000; performance.now() < deadline;)
        if ((await metric(s, 'adsm_applied_seq').catch(() => NaN)) >= seq) return performance.now();
      return undefined;
    }),
  );
  return at.some((t) => t === undefined) ? undefined : Math.max(...(at as number[]));
}

/**
 * The `seq` of the create of `id`, looked for only after `after` (the writer's applied seq before
 * it sent the create): a range of the log's primary key, not a scan of the whole log, whose time
 * would otherwise grow with the writes before and land inside the figures.
 */
async function seqOf(cluster: Cluster, id: string, after: number): Promise<number | undefined> {
  const { rows } = await cluster.pool.query<{ seq: string }>(
    `SELECT seq FROM log WHERE seq > $2 AND entry->'ad'->>'id' = $1 ORDER BY seq LIMIT 1`,
    [id, after],
  );
  return rows[0] ? Number(rows[0].seq) : undefined;
}

/** Creates one at a time on rotating replicas, each followed until the two others applied it. */
async function convergence(cluster: Cluster, servers: Server[], probes: number, next: () => unknown) {
  const clients = servers.map((s) => httpClient(s.url, 1));
  const ackToAll: number[] = [];
  let failed = 0;
  for (let i = 0; i < probes; i++) {
    const after = await appliedSeq(servers[i % 3]!);
    const r = await create(clients[i % 3]!, next());
    const seq = r.id === undefined ? undefined : await seqOf(cluster, r.id, after);
    const at =
      seq === undefined
        ? undefined
        : await appliedEverywhere(
            servers.filter((_, j) => j !== i % 3),
            seq,
          );
    if (at === undefined) failed++;
    else ackToAll.push(Math.max(0, at - r.sentAt - r.ms));
    await sleep(5 + (i % 4) * 5);
  }
  for (const c of clients) c.close();
  return { ackToAllMs: summary(ackToAll), failed };
}

/** FLUSHDB under one writer per replica; probes after it until applied everywhere. */
async function redisWipe(cluster: Cluster, servers: Server[], next: () => unknown) {
  const clients = servers.map((s) => httpClient(s.url, 2));
  const sent: { sentAt: number; ok: boolean; ms: number }[] = [];
  let writing = true;
  const lanes = Promise.all(
    clients.map(async (c) => {
      while (writing) sent.push(await create(c, next()));
    }),
  );
  await sleep(3_000);
  const wipeAt = performance.now();
  await cluster.redis.flushdb();
  let wipeToAllMs: number | undefined;
  for (let i = 0; wipeToAllMs === undefined && performance.now() - wipeAt < 10_000; i++) {
    const after = await appliedSeq(servers[i % 3]!);
    const r = await create(clients[i % 3]!, next());
    const seq = r.id === undefined ? undefined : await seqOf(cluster, r.id, after);
    const at = seq === undefined ? undefined : await appliedEverywhere(servers, seq);
    if (at !== undefined) wipeToAllMs = Math.round(at - wipeAt);
  }
  await sleep(Math.max(0, wipeAt + 5_000 - performance.now()));
  writing = false;
  await lanes;
  for (const c of clients) c.close();
  const after = sent.filter((s) => s.sentAt >= wipeAt && s.sentAt < wipeAt + 5_000);
  return {
    wipeToAllMs,
    createsIn5sAfter: after.length,
    failedIn5sAfter: after.filter((s) => !s.ok).length,
    slowestIn5sAfterMs: Math.round(Math.max(0, ...after.map((s) => s.ms))),
    failedInAll: sent.filter((s) => !s.ok).length,
  };
}

/** The store's rows for `ads` (create entries seq 1..n, ads rows, log_head), in one transaction. */
async function insertDirect(cluster: Cluster, ads: readonly CreatedAd[]): Promise<void> {
  const at0 = Date.now() - ads.length - 60_000;
  const stored = ads.map((ad, i) => ({ ...ad, version: 1, createdAt: at0 + i, updatedAt: at0 + i }));
  const client = await cluster.pool.connect();
  try {
    await client.query('BEGIN');
    for (let from = 0; from < stored.length; from += 25_000) {
      const batch = stored.slice(from, from + 25_000);
      const seqs = batch.map((_, k) => from + k + 1);
      const entries = batch.map((ad, k) =>
        JSON.stringify({ type: 'create', at: ad.createdAt, ad, seq: seqs[k] }),
      );
      await client.query(
        'INSERT INTO log (seq, entry, at) SELECT * FROM unnest($1::bigint[], $2::json[], $3::bigint[])',
        [seqs, entries, batch.map((ad) => ad.createdAt)],
      );
      await client.query(
        'INSERT INTO ads (id, data, end_at, version) SELECT * FROM unnest($1::text[], $2::json[], $3::bigint[], $4::int[])',
        [
          batch.map((a) => a.id),
          batch.map((a) => JSON.stringify(a)),
          batch.map((a) => a.endAt),
          batch.map(() => 1),
        ],
      );
    }
    await client.query('UPDATE log_head SET seq = $1 WHERE id = 1', [stored.length]);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
}

/** Starts a replica on the store: spawn-to-ready, RSS, time until it idles, and a query paged to its end checked. */
async function timedStart(cluster: Cluster, sorted: readonly CreatedAd[]) {
  const since = performance.now();
  const server = await cluster.start({ readyTimeoutMs: 180_000 });
  const readyMs = Math.round(performance.now() - since);
  const rssMb = sampleTree(server.pid).rssMb;
  let idleMs: number | undefined;
  for (let prev = sampleTree(server.pid); idleMs === undefined && performance.now() - since < 180_000;) {
    await sleep(1_000);
    const now = sampleTree(server.pid);
    if (now.cpuSeconds - prev.cpuSeconds < 0.05) idleMs = Math.round(prev.at - since);
    prev = now;
  }
  const q = {
    query: { age: 30, gender: 'F' as const, country: 'TW', platform: 'ios' as const },
    offset: 0,
    limit: 1e9,
  };
  const want = referencePage(sorted, q, Date.now()).map((a) => a.id);
  const got: string[] = [];
  const client = httpClient(server.url, 1);
  for (let offset = 0; ; offset += 100) {
    const res = await client.request(
      'GET',
      `/api/v1/ad?age=30&gender=F&country=TW&platform=ios&limit=100&offset=${offset}`,
    );
    const items = (JSON.parse(res.body) as { items: { id: string }[] }).items;
    got.push(...items.map((it) => it.id));
    if (items.length < 100) break;
  }
  client.close();
  const liveAds = await metric(server, 'adsm_live_ads');
  return {
    server,
    figures: { readyMs, rssMb, idleMs, liveAds, checked: got.length, right: got.join() === want.join() },
  };
}

async function restartWithAds(n: number, problem: (text: string) => void) {
  const cluster = new Cluster(15, { POLL_INTERVAL_MS: '1000' });
  await cluster.setup();
  try {
    await (await cluster.start()).stop('SIGTERM'); // it migrates the database
    await cluster.pool.query('DELETE FROM snapshots');
    const ads = seedAds(n, 42, Date.now()).map((ad, i) => ({
      ...ad,
      id: `00000000-0000-7000-8000-${i.toString(16).padStart(12, '0')}`,
    }));
    const t0 = performance.now();
    await insertDirect(cluster, ads);
    console.log(`  ${n} create entries written into Postgres in ${Math.round(performance.now() - t0)} ms`);
    const sorted = byEndThenId(ads);
    const a = await timedStart(cluster, sorted);
    const stop = await stopTimed(a.server);
    const { rows } = await cluster.pool.query<{ bytes: number }>(
      'SELECT octet_length(data) AS bytes FROM snapshots ORDER BY seq DESC LIMIT 1',
    );
    const b = await timedStart(cluster, sorted);
    for (const f of [a.figures, b.figures])
      if (f.liveAds !== n || !f.right)
        problem(`restart: ${f.liveAds} live ads, checked query ${f.right ? 'right' : 'WRONG'}`);
    if (!rows[0]) problem('restart: no snapshot was stored on SIGTERM');
    return {
      ads: n,
      replayingTheLog: a.figures,
      stopMs: stop.ms,
      snapshotMb: round((rows[0]?.bytes ?? 0) / 2 ** 20, 1),
      fromSnapshot: b.figures,
    };
  } finally {
    await cluster.teardown();
  }
}

export async function replicationBench(o: Options) {
  const problems: string[] = [];
  const problem = (text: string) => {
    problems.push(text);
    console.log(`  PROBLEM: ${text}`);
  };
  const phase = async <T>(
    name: string,
    run: () => Promise<T>,
  ): Promise<(T & { busyBefore: number }) | undefined> => {
    const busyBefore = await waitQuiet(o.quietBelow, o.quietWaitS);
    console.log(`\n== replication: ${name} (machine ${pct(busyBefore)} busy before) ==`);
    try {
      const result = await run();
      console.log(`  ${JSON.stringify(result)}`);
      return { ...result, busyBefore };
    } catch (err) {
      problem(`${name}: ${err instanceof Error ? err.message.slice(0, 2_000) : String(err)}`);
      return undefined;
    }
  };
  const cluster = new Cluster(15, { POLL_INTERVAL_MS: '1000', LOG_LEVEL: o.logLevel });
  await cluster.setup();
  const next = bodies();
  let writes, sequential, converge, wipe;
  try {
    const servers = await Promise.all([0, 1, 2].map(() => cluster.start()));
    await writeLoad(servers, 2, 2, next); // warm-up
    writes = await phase(`3 replicas x ${o.writers} creates in flight`, () =>
      writeLoad(servers, o.writers, o.durationS, next),
    );
    sequential = await phase('1 sequential client', () =>
      writeLoad(servers.slice(0, 1), 1, o.durationS / 2, next),
    );
    converge = await phase(`convergence, ${o.probes} probes`, () =>
      convergence(cluster, servers, o.probes, next),
    );
    if (converge) console.log(`  201 -> applied on both others: ${show(converge.ackToAllMs)}`);
    wipe = await phase('Redis FLUSHDB under writes', () => redisWipe(cluster, servers, next));
    for (const [name, r] of [
      ['writes', writes],
      ['sequential', sequential],
      ['convergence', converge],
    ] as const)
      if (r && r.failed > 0) problem(`${name}: ${r.failed} failed`);
    if (wipe?.wipeToAllMs === undefined) problem('after the wipe no create reached every replica in 10 s');
    for (const s of servers)
      if (s.output().includes('"level":60')) problem(`replica pid ${s.pid} logged a fatal error`);
  } finally {
    await cluster.teardown();
  }
  const restart = await phase(`restart-to-ready with ${o.ads} ads`, () => restartWithAds(o.ads, problem));
  console.log(
    problems.length === 0
      ? '\nno problems seen'
      : `\n${problems.length} problem(s):\n  ${problems.join('\n  ')}`,
  );
  return { writes, sequential, convergence: converge, wipe, restart, problems };
}
