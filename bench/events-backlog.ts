/**
 * The catalogue backlog of `npm run bench -- --events`: `--ads` ads (100,000) created through the
 * API, then one impression per ad in each of the last 71 hours sent to `POST /api/v1/events` in
 * arrays of 1,000 with 8 requests in flight (a platform replaying three days, or a replica's
 * clients after an outage), then 8 s for the flushes. The server's RSS is sampled every 200 ms
 * from before the first event to after the flushes; counts are checked on sampled ads. A
 * `503 spool_full` is waited out (its Retry-After) and sent again, as a client should.
 */
import http from 'node:http';
import { forEachConcurrent, loadAds } from './check.js';
import { createRng, seedAds } from './mix.js';
import { createStore } from './reads.js';
import type { Options } from './run.js';
import { fmt, printTable, sampleTree, spread } from './stats.js';
import { join, resolve } from 'node:path';

const HOURS = 71;
const PER_REQUEST = 1_000;
const IN_FLIGHT = 8;
const SETTLE_MS = 8_000;
const SAMPLE_MS = 200;

function post(url: string, agent: http.Agent, body: string): Promise<{ status: number; retryAfter: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/api/v1/events`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json' }, timeout: 60_000 },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, retryAfter: Number(res.headers['retry-after'] ?? 1) }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('POST /api/v1/events timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The V8 heap (committed) and memory outside it held by JavaScript objects, from `/metrics`. */
interface HeapFigures {
  heapMb: number;
  externalMb: number;
}

async function heapFigures(url: string): Promise<HeapFigures | undefined> {
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    const mb = (name: string) =>
      Math.round(Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0) / 2 ** 20);
    return { heapMb: mb('nodejs_heap_size_total_bytes'), externalMb: mb('nodejs_external_memory_bytes') };
  } catch {
    return undefined;
  }
}

/**
 * RSS (MiB) of `pid` every 200 ms until stopped: the peak of each phase, with the V8 heap and
 * external memory read from the server's `/metrics` at the sample that set it (what the rest of
 * RSS is: SQLite's page caches, malloc's arenas, code).
 */
function rssSampler(pid: number, url: string) {
  let peak = 0;
  let heapAtPeak: HeapFigures | undefined;
  let busy = false;
  const timer = setInterval(() => {
    const rss = sampleTree(pid).rssMb;
    if (rss <= peak || busy) return;
    peak = rss;
    busy = true;
    void heapFigures(url).then((h) => {
      heapAtPeak = h ?? heapAtPeak;
      busy = false;
    });
  }, SAMPLE_MS);
  return {
    /** The peak since the last call (with the heap figures at it), and starts a new phase. */
    phase(): { peakMb: number; heapMb: number; externalMb: number } {
      const p = Math.max(peak, sampleTree(pid).rssMb);
      const out = { peakMb: p, heapMb: heapAtPeak?.heapMb ?? 0, externalMb: heapAtPeak?.externalMb ?? 0 };
      peak = 0;
      heapAtPeak = undefined;
      return out;
    },
    stop: () => clearInterval(timer),
  };
}

export async function eventsBacklog(o: Options, script?: string) {
  const store = await createStore(o, {}, script);
  const { server } = await store.start(1);
  try {
    const mode = o.replicated ? 'replicated' : 'embedded';
    const n = o.ads;
    const now = Date.now();
    const { created, figures } = await loadAds(server.url, seedAds(n, 7, now), 32);
    if (figures.errors > 0) throw new Error(`creating ${n} ads failed: ${figures.firstErrors.join('; ')}`);
    const ids = created.map((a) => a.id);
    await sleep(2_000);
    const adsAloneMb = sampleTree(server.pid).rssMb;
    console.log(`  backlog (${mode}): ${n} ads created (${figures.createsPerSec}/s), RSS ${adsAloneMb} MB`);

    const sampler = rssSampler(server.pid, server.url);
    sampler.phase();
    const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
    const perHour = Math.ceil(n / PER_REQUEST);
    let refused = 0;
    let failed = 0;
    const started = performance.now();
    await forEachConcurrent(HOURS * perHour, IN_FLIGHT, async (i) => {
      // Oldest hour first, each hour's events a minute into it (inside the 72 h an event may be late).
      const hour = HOURS - 1 - Math.floor(i / perHour);
      const at = new Date(now - hour * 3_600_000 - 60_000).toISOString();
      const from = (i % perHour) * PER_REQUEST;
      const body = JSON.stringify(
        ids.slice(from, from + PER_REQUEST).map((adId) => ({ type: 'impression', adId, at })),
      );
      for (;;) {
        const res = await post(server.url, agent, body);
        if (res.status === 202) return;
        if (res.status !== 503) {
          failed++;
          return;
        }
        refused++;
        await sleep(res.retryAfter * 1000);
      }
    });
    const ingestS = (performance.now() - started) / 1000;
    const ingestPeak = sampler.phase();
    const peakIngestMb = ingestPeak.peakMb;
    agent.destroy();
    await sleep(SETTLE_MS);
    const afterMb = sampleTree(server.pid).rssMb;
    const afterHeap = await heapFigures(server.url);
    const settlePeak = sampler.phase();
    const peakSettleMb = settlePeak.peakMb;
    sampler.stop();

    const rng = createRng(5);
    const sampled = Array.from({ length: 20 }, () => ids[Math.floor(rng() * ids.length)]!);
    // The hours each window holds at the stats' own `asOf` (the ingest may cross an hour).
    const ats = Array.from({ length: HOURS }, (_, hour) => now - hour * 3_600_000 - 60_000);
    const inWindow = (asOf: number, hours: number) => {
      const current = Math.floor(asOf / 3_600_000);
      return ats.filter((at) => {
        const h = Math.floor(at / 3_600_000);
        return h <= current && h > current - hours;
      }).length;
    };
    let wrong = 0;
    for (const id of sampled) {
      const s = (await (await fetch(`${server.url}/api/v1/ad/${id}/stats`)).json()) as {
        asOf: string;
        impressions: Record<string, number>;
      };
      const asOf = Date.parse(s.asOf);
      const want = { '1d': inWindow(asOf, 24), '2d': inWindow(asOf, 48), '3d': inWindow(asOf, 72) };
      const got = { '1d': s.impressions['1d'], '2d': s.impressions['2d'], '3d': s.impressions['3d'] };
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        wrong++;
        if (wrong === 1) console.log(`  ! ${id}: ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
      }
    }
    const events = HOURS * n;
    const result = {
      mode,
      ads: n,
      events,
      eventsPerSec: Math.round(events / ingestS),
      ingestSeconds: Math.round(ingestS),
      adsAloneMb,
      peakIngestMb,
      peakSettleMb,
      afterMb,
      heapAtPeakIngestMb: ingestPeak.heapMb,
      externalAtPeakIngestMb: ingestPeak.externalMb,
      heapAfterMb: afterHeap?.heapMb ?? 0,
      externalAfterMb: afterHeap?.externalMb ?? 0,
      addedAfterMb: Math.round(afterMb - adsAloneMb),
      refused,
      failed,
      countsChecked: sampled.length,
      countsWrong: wrong,
    };
    console.log(
      `  backlog: ${events} events in ${result.ingestSeconds} s (${result.eventsPerSec}/s), ${refused} answers 503 waited out, ${failed} failed; RSS ads alone ${adsAloneMb} MB, peak while ingesting ${peakIngestMb} MB, peak while flushing ${peakSettleMb} MB, after ${afterMb} MB (+${result.addedAfterMb}); V8 heap / external at the ingest peak ${result.heapAtPeakIngestMb} / ${result.externalAtPeakIngestMb} MB, after ${result.heapAfterMb} / ${result.externalAfterMb} MB; counts wrong on ${wrong}/${sampled.length} sampled ads`,
    );
    return result;
  } finally {
    await server.stop('SIGTERM');
    await store.drop();
  }
}

type Backlog = Awaited<ReturnType<typeof eventsBacklog>>;

/**
 * `rounds` backlogs on this build and, with `baselineDist`, on another build's `dist/` (its
 * `main.js`), alternating; medians and the verdicts of the targets.
 */
export async function backlogScenario(o: Options, rounds: number, baselineDist?: string) {
  const subjects = [{ label: 'adsm', script: undefined as string | undefined }];
  if (baselineDist) subjects.push({ label: 'baseline', script: join(resolve(baselineDist), 'main.js') });
  const runs: Record<string, Backlog[]> = {};
  for (let r = 1; r <= rounds; r++)
    for (const s of subjects) {
      console.log(`  backlog round ${r}/${rounds}: ${s.label}`);
      (runs[s.label] ??= []).push(await eventsBacklog(o, s.script));
    }
  const rows = subjects.map(({ label }) => {
    const rs = runs[label]!;
    const of = (f: (b: Backlog) => number, digits = 0) => spread(rs.map(f), digits);
    return {
      label,
      eventsPerSec: of((b) => b.eventsPerSec),
      adsAloneMb: of((b) => b.adsAloneMb),
      peakIngestMb: of((b) => b.peakIngestMb),
      peakSettleMb: of((b) => b.peakSettleMb),
      afterMb: of((b) => b.afterMb),
      addedAfterMb: of((b) => b.addedAfterMb),
      refused: of((b) => b.refused),
      countsWrong: rs.reduce((a, b) => a + b.countsWrong + b.failed, 0),
    };
  });
  printTable(
    `events backlog: ${o.replicated ? 'replicated' : 'embedded'}, ${o.ads} ads × ${HOURS} h, arrays of ${PER_REQUEST}, ${IN_FLIGHT} in flight; RSS MB sampled every ${SAMPLE_MS} ms; median (min-max) over ${rounds} round(s)`,
    [
      [
        'build',
        'events/s',
        'RSS ads alone',
        'peak ingest',
        'peak flush',
        'after',
        'added after',
        '503s waited',
        'wrong',
      ],
      ...rows.map((x) => [
        x.label,
        fmt(x.eventsPerSec),
        fmt(x.adsAloneMb),
        fmt(x.peakIngestMb),
        fmt(x.peakSettleMb),
        fmt(x.afterMb),
        fmt(x.addedAfterMb),
        fmt(x.refused),
        String(x.countsWrong),
      ]),
    ],
  );
  const mine = rows[0]!;
  const verdicts: string[] = [];
  const verdict = (ok: boolean, text: string) => verdicts.push(`${ok ? 'PASS' : 'FAIL'}  ${text}`);
  const peak = Math.max(...runs.adsm!.map((b) => Math.max(b.peakIngestMb, b.peakSettleMb)));
  verdict(peak < 500, `backlog: RSS peak ${peak} MB (target < 500)`);
  verdict(
    mine.addedAfterMb.max <= 200,
    `backlog: RSS after the flush ${fmt(mine.addedAfterMb)} MB over the ads alone (target <= +200)`,
  );
  verdict(mine.countsWrong === 0, `backlog: counts exact on every sampled ad, no event refused for good`);
  if (rows[1]) {
    const ratio = spread(
      runs.adsm!.map((b, i) => b.eventsPerSec / runs.baseline![i]!.eventsPerSec),
      3,
    );
    verdict(
      ratio.median >= 0.95,
      `backlog: events/s over the baseline build's, paired by round: ${fmt(ratio, 3)}`,
    );
  }
  for (const v of verdicts) console.log(`  ${v}`);
  return { rows, runs, verdicts, failed: mine.countsWrong > 0 };
}
