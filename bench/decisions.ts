/**
 * `npm run bench -- --decisions [--replicated]`: `POST /api/v1/decisions` against the public query
 * on the same server and ads, interleaved round by round, every request drawn fresh by wrk
 * (bench/decisions.lua: viewers of the query mix, user keys out of 100,000). First on ads with
 * priorities and weights but no caps, then after a PUT gave every ad two frequency caps; in
 * replicated mode, what the caps then hold in Redis per user key. Without caps each round also
 * sends the same decisions to bench/raw-decisions-server.js, which parses each body and answers
 * one real decision's bytes: the ceiling for any Node server taking these requests.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { forEachConcurrent, httpClient } from './check.js';
import { startOnFreshStore } from './fresh-server.js';
import { startRaw, wrkRun } from './load.js';
import { createBody, createRng, randomInt, seedAds } from './mix.js';
import type { Options } from './run.js';
import { fmt, measure, printTable, round, spread, waitQuiet } from './stats.js';

const USERS = 100_000;
const ADS = 1_000;
const TWO_CAPS = [
  { impressions: 3, seconds: 3_600 },
  { impressions: 10, seconds: 86_400 },
];

/**
 * One wrk run of bench/decisions.lua: `query` or `decide`, its seed and the user population; with
 * the server's CPU per answer (µs of the server process's CPU time per request answered).
 */
const wrkDecisions = async (
  server: { readonly url: string; readonly pid: number },
  args: string[],
  c: number,
  durationS: number,
  threads: number,
) => {
  const done = measure(server.pid);
  const r = await wrkRun({
    url: server.url,
    script: 'decisions.lua',
    args,
    connections: c,
    durationS,
    threads,
  });
  const cpuUs = round((1e6 * done().serverCores) / Math.max(1, r.rps), 1);
  return { rps: r.rps, errors: r.non2xx + r.socket, p50: round(r.p50, 2), p99: round(r.p99, 2), cpuUs };
};

/** Creates the seed ads with priorities 1-3 and weights 1-10; their ids and bodies. */
export async function createAds(url: string): Promise<{ id: string; body: Record<string, unknown> }[]> {
  const rng = createRng(7);
  const client = httpClient(url, 16);
  const ads = seedAds(ADS, 11, Date.now());
  const out: { id: string; body: Record<string, unknown> }[] = [];
  await forEachConcurrent(ads.length, 16, async (i) => {
    const body = {
      ...createBody(ads[i]!),
      delivery: { priority: randomInt(rng, 1, 3), weight: randomInt(rng, 1, 10) },
    };
    const res = await client.request('POST', '/api/v1/ad', body);
    if (res.status !== 201) throw new Error(`create answered ${res.status}: ${res.body}`);
    out.push({ id: (JSON.parse(res.body) as { id: string }).id, body });
  });
  client.close();
  return out;
}

async function addCaps(url: string, ads: readonly { id: string; body: Record<string, unknown> }[]) {
  const client = httpClient(url, 16);
  await forEachConcurrent(ads.length, 16, async (i) => {
    const { id, body } = ads[i]!;
    const delivery = { ...(body.delivery as object), frequencyCaps: TWO_CAPS };
    const res = await client.request('PUT', `/api/v1/ad/${id}`, { ...body, delivery });
    if (res.status !== 200) throw new Error(`PUT answered ${res.status}: ${res.body}`);
  });
  client.close();
}

/** Keys, bytes per user key (MEMORY USAGE of a sample) and fields per key of the caps in Redis. */
async function capsMemory(redisUrl: string, prefix: string) {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    const keys: string[] = [];
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:caps:*`, 'COUNT', 1000);
      keys.push(...found);
      cursor = next;
    } while (cursor !== '0');
    const sample = keys.slice(0, 2_000);
    let bytes = 0;
    let fields = 0;
    for (const key of sample) {
      bytes += Number(await redis.memory('USAGE', key, 'SAMPLES', '0'));
      fields += await redis.hlen(key);
    }
    const n = Math.max(1, sample.length);
    return {
      userKeys: keys.length,
      bytesPerUserKey: Math.round(bytes / n),
      adsPerUserKey: round(fields / n, 2),
    };
  } finally {
    redis.disconnect();
  }
}

/** The decisions' candidate-cache counters on /metrics (`adsm_decision_candidates_total`). */
async function candidateCounts(url: string): Promise<{ hit: number; miss: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (result: string) =>
    Number(
      new RegExp(`^adsm_decision_candidates_total\\{result="${result}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0,
    );
  return { hit: read('hit'), miss: read('miss') };
}

/** The bytes of one real decision of `count` 2 for a viewer every ad may match. */
async function oneDecision(url: string): Promise<Buffer> {
  const res = await fetch(`${url}/api/v1/decisions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: { key: 'u-1' }, viewer: {}, count: 2 }),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) throw new Error(`decision answered ${res.status}: ${bytes.toString()}`);
  return bytes;
}

export async function decisionsScenario(o: Options) {
  const { server, cluster, done } = await startOnFreshStore(o);
  const dir = mkdtempSync(join(tmpdir(), 'adsm-bench-decisions-'));
  let raw: Awaited<ReturnType<typeof startRaw>> | undefined;
  try {
    const mode = o.replicated ? 'replicated' : 'embedded';
    console.log(`\n== decisions: ${mode}, ${ADS} ads, user keys out of ${USERS}, wrk ==`);
    const ads = await createAds(server.url);
    const answerFile = join(dir, 'answer.json');
    const answer = await oneDecision(server.url);
    writeFileSync(answerFile, answer);
    raw = await startRaw('raw-decisions-server.js', { ANSWER_FILE: answerFile });
    console.log(`  raw post answers ${answer.length} bytes: ${answer.toString().slice(0, 120)}…`);
    const rows: Record<string, unknown>[] = [];
    let seed = 1;
    /** Per phase: the share of decisions whose candidates were kept from an earlier one. */
    const hitRates: Record<string, number> = {};
    const phase = async (label: string, withRaw: boolean) => {
      const before = await candidateCounts(server.url);
      const kinds = withRaw ? (['query', 'decide', 'raw post'] as const) : (['query', 'decide'] as const);
      for (let round = 0; round < o.rounds; round++) {
        for (const c of o.connections) {
          const busy = await waitQuiet(o.quietBelow, o.quietWaitS);
          for (const kind of kinds) {
            const target = kind === 'raw post' ? raw! : server;
            const script = kind === 'raw post' ? 'decide' : kind;
            const args = [script, String(seed++), String(USERS)];
            if (o.warmupS > 0) await wrkDecisions(target, args, c, o.warmupS, o.threads);
            const run = await wrkDecisions(
              target,
              [script, String(seed++), String(USERS)],
              c,
              o.durationS,
              o.threads,
            );
            rows.push({ phase: label, round, c, kind, busyBefore: busy, ...run });
            if (kind === 'decide') {
              const after = await candidateCounts(server.url);
              const hits = after.hit - before.hit;
              const lookups = hits + after.miss - before.miss;
              hitRates[label] = lookups === 0 ? 0 : hits / lookups;
            }
            console.log(
              `  ${label.padEnd(7)} ${kind.padEnd(8)} c=${String(c).padStart(3)} ${String(run.rps).padStart(6)} req/s` +
                `  p50 ${run.p50} p99 ${run.p99} ms  cpu ${run.cpuUs} µs/req  errors ${run.errors}`,
            );
          }
        }
      }
    };
    await phase('no caps', true);
    await addCaps(server.url, ads);
    await phase('2 caps', false);
    const memory = cluster ? await capsMemory(cluster.redisUrl, cluster.prefix) : undefined;

    const table: string[][] = [
      [
        'phase',
        'c',
        'query req/s',
        'decide req/s',
        'ratio',
        'decide p99 ms',
        'cpu µs query/decide',
        'cpu decide/query',
        'errors',
        'candidates cached',
        'raw post req/s',
        'raw post/query',
        'raw µs/req',
      ],
    ];
    const summary: Record<string, unknown>[] = [];
    for (const label of ['no caps', '2 caps']) {
      for (const c of o.connections) {
        const pick = (kind: string) => rows.filter((r) => r.phase === label && r.c === c && r.kind === kind);
        const q = pick('query');
        const d = pick('decide');
        const rp = pick('raw post');
        const ratios = d.map((r, i) => (r.rps as number) / Math.max(1, q[i]!.rps as number));
        const cpuRatios = d.map((r, i) => (r.cpuUs as number) / Math.max(0.1, q[i]!.cpuUs as number));
        const s = {
          phase: label,
          c,
          queryRps: spread(
            q.map((r) => r.rps as number),
            0,
          ),
          decideRps: spread(
            d.map((r) => r.rps as number),
            0,
          ),
          ratio: spread(ratios, 2),
          queryCpuUs: spread(
            q.map((r) => r.cpuUs as number),
            1,
          ),
          decideCpuUs: spread(
            d.map((r) => r.cpuUs as number),
            1,
          ),
          cpuRatio: spread(cpuRatios, 2),
          decideP99: spread(
            d.map((r) => r.p99 as number),
            2,
          ),
          errors:
            d.reduce((a, r) => a + (r.errors as number), 0) + q.reduce((a, r) => a + (r.errors as number), 0),
          ...(rp.length === 0
            ? {}
            : {
                rawRps: spread(
                  rp.map((x) => x.rps as number),
                  0,
                ),
                rawRatio: spread(
                  rp.map((x, i) => (x.rps as number) / Math.max(1, q[i]!.rps as number)),
                  2,
                ),
                rawCpuUs: spread(
                  rp.map((x) => x.cpuUs as number),
                  1,
                ),
                rawErrors: rp.reduce((a, x) => a + (x.errors as number), 0),
              }),
        };
        summary.push(s);
        table.push([
          label,
          String(c),
          fmt(s.queryRps),
          fmt(s.decideRps),
          fmt(s.ratio, 2),
          fmt(s.decideP99, 2),
          `${fmt(s.queryCpuUs, 0)} / ${fmt(s.decideCpuUs, 0)}`,
          fmt(s.cpuRatio, 2),
          String(s.errors),
          `${round(100 * (hitRates[label] ?? 0), 1)}%`,
          s.rawRps ? fmt(s.rawRps) : '-',
          s.rawRatio ? fmt(s.rawRatio, 2) : '-',
          s.rawCpuUs ? fmt(s.rawCpuUs, 0) : '-',
        ]);
      }
    }
    printTable(`decisions against the public query (${mode}; median (min-max) of ${o.rounds} rounds)`, table);
    if (memory) console.log(`  caps in Redis: ${JSON.stringify(memory)}`);
    return {
      mode,
      ads: ADS,
      users: USERS,
      caps: TWO_CAPS,
      rows,
      summary,
      memory,
      candidatesCached: hitRates,
    };
  } finally {
    raw?.stop();
    rmSync(dir, { recursive: true, force: true });
    await done();
  }
}
