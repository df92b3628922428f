/**
 * Replication benchmark, phase 4: Redis loses everything (FLUSHDB of db 9) while three replicas
 * take writes. Measures how long writes made after the wipe take to be applied by all three
 * replicas, whether writes fail meanwhile, and the time for all replicas to reach the Postgres
 * head once the writers stop.
 */
import { Redis } from 'ioredis';
import type { AdBody } from './load-data.js';
import { createHttpClient } from './http-client.js';
import type { ServerProcess } from './server-process.js';
import {
  LOCK_TIMEOUT_LOG,
  REDIS_URL,
  appliedSeq,
  count,
  scrape,
  sleep,
  summarize,
  type BenchCluster,
  type Summary,
} from './replication-cluster.js';
import { create, waitApplied } from './replication-writes.js';

export interface WipeProbe {
  /** When the probe create was sent, ms after the FLUSHDB (negative: before it). */
  readonly sentMs: number;
  readonly status: number;
  readonly writeMs: number;
  readonly seq?: number;
  /** From the 201 until all three replicas had applied it (upper bound, one poll). */
  readonly ackToAllMs?: number;
  /** From the FLUSHDB until all three replicas had applied it. */
  readonly wipeToAllMs?: number;
}

export interface WipeRound {
  readonly before: WipeProbe[];
  readonly after: WipeProbe[];
  /** Background creates sent in the 5 s after the wipe: not 201, and the slowest. */
  readonly failedIn5s: number;
  readonly maxWriteMsIn5s: number;
  /** Background create latency in the steady window before the wipe. */
  readonly steadyWriteMs: Summary;
}

export interface WipeResult {
  readonly rounds: WipeRound[];
  readonly background: { ok: number; failed: number; failures: Record<string, number>; latencyMs: Summary };
  /** After the writers stopped: ms until every replica's applied seq equals the Postgres head. */
  readonly convergeAfterStopMs: number | undefined;
  readonly headAtEnd: number;
  readonly appliedAtEnd: number[];
  readonly liveAdsByReplica: number[];
  readonly liveAdsInStore: number;
  /** Per replica, over its whole life: "log subscription reset" lines, lock waits given up, warn and error lines. */
  readonly resetLines: number[];
  readonly lockTimeoutLines: number[];
  readonly warnLines: number[];
  readonly errorLines: number[];
}

interface Sent {
  readonly sentAt: number;
  readonly ms: number;
  readonly status: number;
}

export async function redisWipe(
  cluster: BenchCluster,
  servers: readonly ServerProcess[],
  next: () => AdBody,
  opts: { rounds: number; steadyMs: number; afterMs: number },
): Promise<WipeResult> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
  const writers = servers.map((s) => createHttpClient(s.url, 1, 15_000));
  const probeClients = servers.map((s) => createHttpClient(s.url, 1, 15_000));
  const sent: Sent[] = [];
  let writing = true;
  const lane = async (r: number): Promise<void> => {
    while (writing) {
      const res = await create(writers[r]!, next());
      sent.push({ sentAt: res.sentAt, ms: res.ms, status: res.status });
      if (res.status === 0) await sleep(50);
    }
  };
  const lanes = Promise.all(servers.map((_, r) => lane(r)));

  let probeNo = 0;
  const probe = async (wipeAt: number): Promise<WipeProbe> => {
    const w = probeNo++ % servers.length;
    const before = await cluster.headSeq();
    const res = await create(probeClients[w]!, next());
    const sentMs = Math.round(res.sentAt - wipeAt);
    const writeMs = Math.round(res.ms * 10) / 10;
    if (res.status !== 201 || !res.id) return { sentMs, status: res.status, writeMs };
    const acked = res.sentAt + res.ms;
    const seq = await cluster.seqOfAd(res.id, before);
    if (seq === undefined) return { sentMs, status: res.status, writeMs };
    const seen = await Promise.all(servers.map((s) => waitApplied(s.url, seq, 30_000)));
    if (seen.some((s) => s.at === undefined)) return { sentMs, status: res.status, writeMs, seq };
    const all = Math.max(...seen.map((s) => s.at!));
    const r = (x: number) => Math.round(x * 10) / 10;
    return {
      sentMs,
      status: res.status,
      writeMs,
      seq,
      ackToAllMs: r(all - acked),
      wipeToAllMs: r(all - wipeAt),
    };
  };
  const probeUntil = async (wipeAt: number, until: number): Promise<WipeProbe[]> => {
    const out: WipeProbe[] = [];
    while (performance.now() < until) {
      out.push(await probe(wipeAt));
      await sleep(50);
    }
    return out;
  };

  const rounds: WipeRound[] = [];
  try {
    for (let i = 0; i < opts.rounds; i++) {
      const steadyFrom = performance.now();
      const plannedWipe = steadyFrom + opts.steadyMs;
      const before = await probeUntil(plannedWipe, plannedWipe);
      const wipeAt = performance.now();
      await redis.flushdb();
      console.log(`  round ${i + 1}: FLUSHDB db 9 sent (${Math.round(performance.now() - wipeAt)} ms)`);
      const after = await probeUntil(wipeAt, wipeAt + opts.afterMs);
      const steady = sent.filter((s) => s.sentAt >= steadyFrom + 500 && s.sentAt < wipeAt);
      const window = sent.filter((s) => s.sentAt >= wipeAt && s.sentAt < wipeAt + 5_000);
      rounds.push({
        before,
        after,
        failedIn5s: window.filter((s) => s.status !== 201).length,
        maxWriteMsIn5s: Math.round(Math.max(0, ...window.map((s) => s.ms))),
        steadyWriteMs: summarize(steady.filter((s) => s.status === 201).map((s) => s.ms)),
      });
    }
  } finally {
    writing = false;
    await lanes;
  }
  const stoppedAt = performance.now();
  let convergeAfterStopMs: number | undefined;
  let head = 0;
  let applied: number[] = [];
  while (performance.now() - stoppedAt < 30_000) {
    head = await cluster.headSeq();
    applied = await Promise.all(servers.map((s) => appliedSeq(s.url).catch(() => NaN)));
    if (applied.every((a) => a === head)) {
      convergeAfterStopMs = Math.round(performance.now() - stoppedAt);
      break;
    }
    await sleep(10);
  }
  const live = await Promise.all(
    servers.map(async (s) => (await scrape(s.url).catch(() => undefined))?.get('adsm_live_ads') ?? NaN),
  );
  for (const c of [...writers, ...probeClients]) c.close();
  redis.disconnect();

  const failures: Record<string, number> = {};
  for (const s of sent) {
    if (s.status === 201) continue;
    const key = s.status === 0 ? 'error' : String(s.status);
    failures[key] = (failures[key] ?? 0) + 1;
  }
  const outputs = servers.map((s) => s.output());
  return {
    rounds,
    background: {
      ok: sent.filter((s) => s.status === 201).length,
      failed: sent.filter((s) => s.status !== 201).length,
      failures,
      latencyMs: summarize(sent.filter((s) => s.status === 201).map((s) => s.ms)),
    },
    convergeAfterStopMs,
    headAtEnd: head,
    appliedAtEnd: applied,
    liveAdsByReplica: live,
    liveAdsInStore: await cluster.liveAdsInStore(),
    resetLines: outputs.map((o) => count(o, 'log subscription reset')),
    lockTimeoutLines: outputs.map((o) => count(o, LOCK_TIMEOUT_LOG)),
    warnLines: outputs.map((o) => count(o, '"level":40')),
    errorLines: outputs.map((o) => count(o, '"level":50')),
  };
}
