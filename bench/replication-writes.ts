/**
 * Replication benchmark, phases 1 and 2: create latency and throughput through the HTTP API of
 * three replicas (concurrent clients on every replica, then one sequential client), and how long
 * a create acknowledged by one replica takes to be applied by the other two.
 */
import { datasetBodies, type AdBody } from './load-data.js';
import { createHttpClient, type HttpClient } from './http-client.js';
import { measure } from './proc-stats.js';
import type { ServerProcess } from './server-process.js';
import {
  LOCK_TIMEOUT_LOG,
  appliedSeq,
  count,
  sleep,
  summarize,
  type BenchCluster,
  type Summary,
} from './replication-cluster.js';

/** An endless supply of valid create bodies (active now, ending in 1-31 days). */
export function bodySource(n = 5_000): () => AdBody {
  const bodies = datasetBodies(n);
  let i = 0;
  return () => bodies[i++ % bodies.length]!;
}

export interface WriteLoadResult {
  readonly label: string;
  readonly replicas: number;
  readonly inFlightPerReplica: number;
  readonly seconds: number;
  readonly ok: number;
  readonly failed: number;
  /** Status code (or `error` for a socket error) → count, for answers that were not 201. */
  readonly failures: Record<string, number>;
  readonly createsPerSec: number;
  readonly latencyMs: Summary;
  /** Creates that took longer than one second. */
  readonly over1s: number;
  readonly perReplicaCreatesPerSec: number[];
  /** Writes that gave up waiting for the Redis write lock (after LOCK_TTL_MS) and ran without it, from the replicas' logs. */
  readonly lockTimeouts: number;
  /** CPU seconds per wall second used by all replicas together, and the machine's busy share. */
  readonly replicaCores: number;
  readonly boxBusy: number;
}

/** One create; resolves with the status (0 on a socket error), latency and the new ad's id. */
export async function create(
  client: HttpClient,
  body: AdBody,
): Promise<{ status: number; ms: number; id?: string; sentAt: number; error?: string }> {
  const sentAt = performance.now();
  try {
    const res = await client.request('POST', '/api/v1/ad', body);
    const id = res.status === 201 ? (JSON.parse(res.body) as { id: string }).id : undefined;
    return { status: res.status, ms: res.ms, id, sentAt };
  } catch (err) {
    return { status: 0, ms: performance.now() - sentAt, sentAt, error: String(err) };
  }
}

/** `inFlight` sequential request loops per server, for `seconds`; every latency is kept. */
export async function writeLoad(
  label: string,
  servers: readonly ServerProcess[],
  inFlight: number,
  seconds: number,
  next: () => AdBody,
): Promise<WriteLoadResult> {
  const clients = servers.map((s) => createHttpClient(s.url, inFlight, 30_000));
  const cpu = servers.map((s) => measure(s.pid));
  const lockLogs = () => servers.reduce((n, s) => n + count(s.output(), LOCK_TIMEOUT_LOG), 0);
  const lockLogsBefore = lockLogs();
  const latencies: number[] = [];
  const perReplica = servers.map(() => 0);
  const failures: Record<string, number> = {};
  let failed = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  const lane = async (r: number): Promise<void> => {
    while (performance.now() < end) {
      const res = await create(clients[r]!, next());
      if (res.status === 201) {
        latencies.push(res.ms);
        perReplica[r]!++;
      } else {
        failed++;
        const key = res.status === 0 ? 'error' : String(res.status);
        failures[key] = (failures[key] ?? 0) + 1;
      }
    }
  };
  await Promise.all(servers.flatMap((_, r) => Array.from({ length: inFlight }, () => lane(r))));
  const wall = (performance.now() - start) / 1000;
  const used = cpu.map((stop) => stop());
  await sleep(200); // the replicas' last log lines
  for (const c of clients) c.close();
  const r1 = (x: number) => Math.round(x * 10) / 10;
  return {
    label,
    replicas: servers.length,
    inFlightPerReplica: inFlight,
    seconds: r1(wall),
    ok: latencies.length,
    failed,
    failures,
    createsPerSec: r1(latencies.length / wall),
    latencyMs: summarize(latencies),
    over1s: latencies.filter((ms) => ms > 1000).length,
    perReplicaCreatesPerSec: perReplica.map((n) => r1(n / wall)),
    lockTimeouts: lockLogs() - lockLogsBefore,
    replicaCores: Math.round(used.reduce((a, u) => a + u.serverCores, 0) * 100) / 100,
    boxBusy: used[0]?.boxBusy ?? 0,
  };
}

/**
 * Polls `/metrics` of `url` until `adsm_applied_seq >= seq`; resolves with performance.now() at
 * the first poll that saw it (or undefined after `timeoutMs`) and the number of polls.
 */
export async function waitApplied(
  url: string,
  seq: number,
  timeoutMs = 15_000,
): Promise<{ at: number | undefined; polls: number }> {
  const deadline = performance.now() + timeoutMs;
  let polls = 0;
  while (performance.now() < deadline) {
    polls++;
    const applied = await appliedSeq(url).catch(() => NaN);
    if (applied >= seq) return { at: performance.now(), polls };
  }
  return { at: undefined, polls };
}

export interface ConvergenceResult {
  readonly probes: number;
  readonly failedWrites: number;
  /** Status code (or `error`) → count of the failed probe creates, and the first failure's text. */
  readonly failures: Record<string, number>;
  readonly firstFailure?: string;
  /** Probes where some replica had not applied the write within 15 s. */
  readonly timedOut: number;
  /** Probes whose seq was not the head + 1 seen before the write (another write interfered). */
  readonly seqMismatches: number;
  /** Create latency of the probes (send to 201). */
  readonly writeMs: Summary;
  /**
   * From the 201 until both other replicas had applied the write: the first poll response showing
   * it, so an upper bound with the resolution of one poll (`pollMs`).
   */
  readonly ackToAllMs: Summary;
  /** From the 201 until one other replica had applied it (each of the two counted). */
  readonly ackToEachMs: Summary;
  /** From sending the create until all three replicas had applied it. */
  readonly sendToAllMs: Summary;
  /** Duration of one `/metrics` poll (the resolution of the figures above). */
  readonly pollMs: Summary;
}

/**
 * `n` probes, one at a time, with no other load: create on replica i % 3, then poll the other two
 * replicas' `adsm_applied_seq` until it reaches the write's seq (Postgres head before + 1,
 * checked against the log afterwards).
 */
export async function convergenceProbes(
  cluster: BenchCluster,
  servers: readonly ServerProcess[],
  n: number,
  next: () => AdBody,
): Promise<ConvergenceResult> {
  const clients = servers.map((s) => createHttpClient(s.url, 2));
  const write: number[] = [];
  const ackToAll: number[] = [];
  const ackToEach: number[] = [];
  const sendToAll: number[] = [];
  const pollMs: number[] = [];
  let failedWrites = 0;
  const failures: Record<string, number> = {};
  let firstFailure: string | undefined;
  let timedOut = 0;
  let seqMismatches = 0;
  for (let i = 0; i < n; i++) {
    const w = i % servers.length;
    const before = await cluster.headSeq();
    const res = await create(clients[w]!, next());
    if (res.status !== 201 || !res.id) {
      failedWrites++;
      const key = res.status === 0 ? 'error' : String(res.status);
      failures[key] = (failures[key] ?? 0) + 1;
      firstFailure ??= `${servers[w]!.name}: ${res.error ?? `status ${res.status}`}`;
      continue;
    }
    const acked = res.sentAt + res.ms;
    const target = before + 1;
    const others = servers.filter((_, j) => j !== w);
    const seen = await Promise.all(others.map((s) => waitApplied(s.url, target)));
    write.push(res.ms);
    if (seen.some((s) => s.at === undefined)) timedOut++;
    else {
      const ats = seen.map((s) => s.at!);
      for (const at of ats) ackToEach.push(Math.max(0, at - acked));
      ackToAll.push(Math.max(0, Math.max(...ats) - acked));
      sendToAll.push(Math.max(...ats) - res.sentAt);
    }
    const t = performance.now();
    const writerSeq = await appliedSeq(servers[w]!.url);
    pollMs.push(performance.now() - t);
    const actual = await cluster.seqOfAd(res.id, before);
    if (actual !== target || writerSeq < target) seqMismatches++;
    await sleep(5 + (i % 4) * 5);
  }
  for (const c of clients) c.close();
  return {
    probes: n,
    failedWrites,
    failures,
    firstFailure,
    timedOut,
    seqMismatches,
    writeMs: summarize(write),
    ackToAllMs: summarize(ackToAll),
    ackToEachMs: summarize(ackToEach),
    sendToAllMs: summarize(sendToAll),
    pollMs: summarize(pollMs),
  };
}
