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
import countryCodes from 'i18n-iso-countries';
import { Redis } from 'ioredis';
import { forEachConcurrent, httpClient } from './check.js';
import { startOnFreshStore } from './fresh-server.js';
import { startRaw, wrkRun } from './load.js';
import { createBody, createRng, randomInt, seedAds } from './mix.js';
import type { Options } from './run.js';
import { measure, round, waitQuiet } from './stats.js';
import { baselineScript } from './baseline.js';
import { decisionsSummary, PHASES, type DecisionRun } from './decisions-table.js';
import { parseVariant } from './reads.js';

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

/** An adsm timed beside the one under test: a `--variant` or the `--baseline-dist` build. */
interface Extra {
  readonly label: string;
  readonly server: { readonly url: string; readonly pid: number };
  readonly ads: Awaited<ReturnType<typeof createAds>>;
  done(): Promise<void>;
}

/** The extra subjects' environment and build: one per `--variant`, and `baseline`. */
const extrasOf = (o: Options) => [
  ...o.variants.map((v) => ({ ...parseVariant(v), script: undefined as string | undefined })),
  ...(o.baselineDist === undefined ? [] : [{ name: 'baseline', env: {}, script: baselineScript(o) }]),
];

/**
 * `--viewers wide`: every assigned country code (not Kosovo's user-assigned `XK`), comma-joined
 * for bench/decisions.lua; empty for the query mix's viewers.
 */
const countriesFor = (viewers: Options['viewers']): string =>
  viewers === 'wide'
    ? Object.keys(countryCodes.getAlpha2Codes())
        .filter((code) => code !== 'XK')
        .join(',')
    : '';

export async function decisionsScenario(o: Options) {
  const countries = countriesFor(o.viewers);
  const { server, cluster, done } = await startOnFreshStore(o);
  const dir = mkdtempSync(join(tmpdir(), 'adsm-bench-decisions-'));
  let raw: Awaited<ReturnType<typeof startRaw>> | undefined;
  const extras: Extra[] = [];
  try {
    const mode = o.replicated ? 'replicated' : 'embedded';
    console.log(
      `\n== decisions: ${mode}, ${ADS} ads, user keys out of ${USERS}, viewers ${o.viewers}, wrk ==`,
    );
    const ads = await createAds(server.url);
    // Each on its own store (its own DATA_DIR, or Postgres database and Redis prefix) with the same ads.
    for (const { name, env, script } of extrasOf(o)) {
      const own = await startOnFreshStore(o, env, script);
      try {
        extras.push({
          label: name,
          server: own.server,
          done: own.done,
          ads: await createAds(own.server.url),
        });
      } catch (err) {
        await own.done();
        throw err;
      }
    }
    const answerFile = join(dir, 'answer.json');
    const answer = await oneDecision(server.url);
    writeFileSync(answerFile, answer);
    raw = await startRaw('raw-decisions-server.js', { ANSWER_FILE: answerFile });
    console.log(`  raw post answers ${answer.length} bytes: ${answer.toString().slice(0, 120)}…`);
    const runs: DecisionRun[] = [];
    let seed = 1;
    /** Per subject and phase: the share of decisions whose candidates were kept from an earlier one. */
    const hitRates: Record<string, Record<string, number>> = {};
    const subjects = [{ label: 'adsm', server }, ...extras];
    const phase = async (label: string, withRaw: boolean) => {
      const before = new Map<string, { hit: number; miss: number }>();
      for (const s of subjects) before.set(s.label, await candidateCounts(s.server.url));
      const kinds = withRaw ? (['query', 'decide', 'raw post'] as const) : (['query', 'decide'] as const);
      const timed = [
        ...kinds.map((kind) => ({
          kind,
          subject: kind === 'raw post' ? 'raw' : 'adsm',
          target: kind === 'raw post' ? raw! : server,
        })),
        ...extras.map((x) => ({ kind: 'decide' as const, subject: x.label, target: x.server })),
      ];
      for (let round = 0; round < o.rounds; round++) {
        for (const c of o.connections) {
          const busy = await waitQuiet(o.quietBelow, o.quietWaitS);
          for (const { kind, subject, target } of timed) {
            // A fresh seed for every wrk run, warm-up included.
            const args = () => [
              kind === 'raw post' ? 'decide' : kind,
              String(seed++),
              String(USERS),
              countries,
            ];
            if (o.warmupS > 0) await wrkDecisions(target, args(), c, o.warmupS, o.threads);
            const run = await wrkDecisions(target, args(), c, o.durationS, o.threads);
            runs.push({ phase: label, round, c, kind, subject, busyBefore: busy, ...run });
            if (kind === 'decide') {
              const after = await candidateCounts(target.url);
              const b = before.get(subject)!;
              const hits = after.hit - b.hit;
              const lookups = hits + after.miss - b.miss;
              if (lookups > 0) (hitRates[subject] ??= {})[label] = hits / lookups;
              else if (subject === 'adsm') (hitRates[subject] ??= {})[label] = 0;
            }
            const name = subject === 'adsm' || subject === 'raw' ? kind : subject;
            console.log(
              `  ${label.padEnd(7)} ${name.padEnd(8)} c=${String(c).padStart(3)} ${String(run.rps).padStart(6)} req/s` +
                `  p50 ${run.p50} p99 ${run.p99} ms  cpu ${run.cpuUs} µs/req  errors ${run.errors}`,
            );
          }
        }
      }
    };
    await phase(PHASES[0], true);
    await addCaps(server.url, ads);
    for (const x of extras) await addCaps(x.server.url, x.ads);
    await phase(PHASES[1], false);
    const memory = cluster ? await capsMemory(cluster.redisUrl, cluster.prefix) : undefined;
    const summary = decisionsSummary(
      runs,
      o,
      extras.map((x) => x.label),
      hitRates,
      mode,
    );
    if (memory) console.log(`  caps in Redis: ${JSON.stringify(memory)}`);
    return {
      mode,
      ads: ADS,
      users: USERS,
      caps: TWO_CAPS,
      subjects: subjects.map((s) => s.label),
      rows: runs,
      summary,
      memory,
      candidatesCached: hitRates.adsm ?? {},
      ...(extras.length === 0 ? {} : { candidatesCachedBySubject: hitRates }),
    };
  } finally {
    raw?.stop();
    for (const x of extras) await x.done();
    rmSync(dir, { recursive: true, force: true });
    await done();
  }
}
