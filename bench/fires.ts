/**
 * `npm run bench -- --fires`: tracking URL fires through adsm against a bare node:http server
 * answering the same GETs with a fixed 204 (bench/raw-fires-server.js), interleaved round by
 * round, wrk at 64 connections (bench/wrk.lua, each thread its own stride of the list). Every
 * request is a URL never fired before: each run's URLs are signed afresh (half impressions, half
 * clicks of 100 ads) with the server's TRACKING_SECRET, more of them than the run can send, so
 * every fire is a first fire that is checked, spooled and later settled. Beside fires/s, each
 * server's CPU time per answer (µs, /proc of its process tree over the run): on a shared machine
 * steadier than req/s. With `--baseline-dist`
 * another build (its own store, the same ads) is timed in the same rounds. After the rounds: the
 * stored counts against the fires answered 204.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { createTrackingUrls } from '../src/delivery/tracking-urls.js';
import { ROOT } from '../test/e2e/process.js';
import { createPlainAds } from './check.js';
import { startRaw, wrkRun, type WrkRun } from './load.js';
import { createStore } from './reads.js';
import type { Options } from './run.js';
import { fmt, measure, printTable, spread, waitQuiet } from './stats.js';

const SECRET = 'bench-tracking-secret-0123456789-abcdef';
const THREADS = 2;
const CONNECTIONS = 64;

type Signer = typeof createTrackingUrls;

/**
 * A request list (bench/wrk.lua) of `count` fresh tracking URLs, alternately impression and
 * click, signed by `sign` (the build's own code: another build may sign another way).
 */
function freshPaths(sign: Signer, file: string, ads: readonly string[], count: number, signer: number): void {
  const urls = sign({ secret: SECRET, signer, ttlSeconds: 86_400 });
  const lines: string[] = [];
  for (let i = 0; lines.length < count; i++) {
    const d = urls.issue(ads[i % ads.length]!, Date.now());
    lines.push(`GET ${d.impressionUrl}`, `GET ${d.clickUrl}`);
  }
  writeFileSync(file, lines.join('\n') + '\n');
}

const storedFires = async (url: string, ads: readonly string[]) => {
  let n = 0;
  for (const ad of ads) {
    const s = (await (await fetch(`${url}/api/v1/ad/${ad}/stats`)).json()) as {
      impressions: { '3d': number };
      clicks: { '3d': number };
    };
    n += s.impressions['3d'] + s.clicks['3d'];
  }
  return n;
};

interface Subject {
  readonly label: string;
  readonly store: Awaited<ReturnType<typeof createStore>>;
  readonly url: string;
  readonly pid: number;
  stop(): Promise<unknown>;
  readonly ads: string[];
  readonly sign: Signer;
  readonly runs: WrkRun[];
  /** Server CPU µs per answer, per round. */
  readonly cpuUs: number[];
  answered: number;
}

/** Server CPU µs per answer over a run of `rps` answers a second. */
const cpuUsPer = (cores: number, rps: number): number => Math.round((cores * 1e6) / Math.max(1, rps));

export async function firesScenario(o: Options, baselineDist?: string) {
  const env = { TRACKING_SECRET: SECRET, FLUSH_INTERVAL_MS: '1000' };
  const builds = [{ label: 'adsm', dist: join(ROOT, 'dist'), script: undefined as string | undefined }];
  if (baselineDist) {
    const dist = resolve(baselineDist);
    builds.push({ label: 'baseline', dist, script: join(dist, 'main.js') });
  }
  const subjects: Subject[] = [];
  const raw = await startRaw('raw-fires-server.js');
  const dir = mkdtempSync(join(tmpdir(), 'adsm-bench-fires-'));
  try {
    for (const b of builds) {
      const store = await createStore(o, env, b.script);
      const { server } = await store.start(1);
      subjects.push({
        label: b.label,
        store,
        url: server.url,
        pid: server.pid,
        cpuUs: [],
        stop: () => server.stop('SIGTERM'),
        ads: await createPlainAds(server.url, 100, 'FIRE'),
        sign: ((await import(join(b.dist, 'delivery', 'tracking-urls.js'))) as { createTrackingUrls: Signer })
          .createTrackingUrls,
        runs: [],
        answered: 0,
      });
    }
    // Room for 50,000 fires/s: a run that went through its list would fire URLs again.
    const perRun = 50_000 * Math.max(o.durationS, o.warmupS);
    let signer = 1;
    const file = join(dir, 'paths.txt');
    /** One wrk run on a new list; the server's CPU µs per answer measured over the run alone. */
    const run = async (url: string, pid: number, ads: readonly string[], sign: Signer, seconds: number) => {
      freshPaths(sign, file, ads, perRun, signer++);
      const args = [file, 'stride', String(THREADS)];
      const cpu = measure(pid);
      const w = await wrkRun({
        url,
        script: 'wrk.lua',
        args,
        connections: CONNECTIONS,
        durationS: seconds,
        threads: THREADS,
      });
      return { ...w, cpuUs: cpuUsPer(cpu().serverCores, w.rps) };
    };
    let wrapped = false;
    for (const s of subjects) {
      if (o.warmupS <= 0) continue;
      const w = await run(s.url, s.pid, s.ads, s.sign, o.warmupS);
      s.answered += Math.round(w.rps * o.warmupS) - w.non2xx;
    }
    const rawRuns: WrkRun[] = [];
    const rawCpuUs: number[] = [];
    for (let round = 1; round <= o.rounds; round++) {
      await waitQuiet(o.quietBelow, o.quietWaitS);
      const r = await run(raw.url, raw.pid, subjects[0]!.ads, subjects[0]!.sign, o.durationS);
      rawCpuUs.push(r.cpuUs);
      rawRuns.push(r);
      let line = `  round ${round}/${o.rounds}: raw ${r.rps} req/s p99 ${r.p99} ms ${rawCpuUs.at(-1)} µs/req`;
      for (const s of subjects) {
        const a = await run(s.url, s.pid, s.ads, s.sign, o.durationS);
        s.cpuUs.push(a.cpuUs);
        const sent = Math.round(a.rps * o.durationS);
        wrapped ||= sent > perRun;
        s.answered += sent - a.non2xx;
        s.runs.push(a);
        line += ` | ${s.label} ${a.rps} fires/s p50 ${a.p50} p90 ${a.p90} p99 ${a.p99} max ${a.max} ms, ${s.cpuUs.at(-1)} µs/fire, errors ${a.non2xx}+${a.socket}`;
      }
      console.log(line);
    }
    // Two flushes: every spooled fire settled.
    await new Promise((r) => setTimeout(r, 2_500));
    const rows = [];
    for (const s of subjects) {
      const stored = await storedFires(s.url, s.ads);
      rows.push({
        subject: s.label,
        rawRps: spread(
          rawRuns.map((r) => r.rps),
          0,
        ),
        rps: spread(
          s.runs.map((a) => a.rps),
          0,
        ),
        ratio: spread(s.runs.map((a, i) => a.rps / Math.max(1, rawRuns[i]!.rps))),
        p50: spread(s.runs.map((a) => a.p50)),
        p99: spread(s.runs.map((a) => a.p99)),
        rawCpuUs: spread(rawCpuUs, 0),
        cpuUs: spread(s.cpuUs, 0),
        errors: s.runs.reduce((n, a) => n + a.non2xx + a.socket, 0),
        stored,
        answered: s.answered,
      });
    }
    printTable(
      `tracking URL fires: ${o.replicated ? 'replicated' : 'embedded'}, 1 process, ${CONNECTIONS} conns, ${o.rounds} x ${o.durationS} s, every URL fresh; median (min-max)`,
      [
        ['', 'raw req/s', 'fires/s', '/raw', 'p50 ms', 'p99 ms', 'raw µs/req', 'µs/fire', 'errors'],
        ...rows.map((r) => [
          r.subject,
          fmt(r.rawRps),
          fmt(r.rps),
          fmt(r.ratio, 2),
          fmt(r.p50, 2),
          fmt(r.p99, 2),
          fmt(r.rawCpuUs),
          fmt(r.cpuUs),
          String(r.errors),
        ]),
      ],
    );
    if (subjects.length > 1) {
      const paired = subjects[0]!.runs.map((a, i) => a.rps / Math.max(1, subjects[1]!.runs[i]!.rps));
      console.log(`  fires/s over the baseline build's, paired by round: ${fmt(spread(paired), 2)}`);
      const cpu = subjects[0]!.cpuUs.map((us, i) => us / Math.max(1, subjects[1]!.cpuUs[i]!));
      console.log(`  CPU per fire over the baseline build's, paired by round: ${fmt(spread(cpu), 2)}`);
    }
    for (const r of rows)
      console.log(
        `  count check (${r.subject}): ${r.stored} impressions and clicks stored, ~${r.answered} fires answered 204 (wrk's counts)${wrapped ? '; a run went through its list: some fires were repeats' : ', every one a first fire'}`,
      );
    // Every fire answered 204 and every one counted once (the warm-up's too).
    const failed = rows.some((r) => r.errors > 0 || Math.abs(r.stored - r.answered) > 0.05 * r.answered);
    if (failed) console.log('  FAILED: errors under load, or stored counts far from the fires answered');
    return {
      rows,
      runs: Object.fromEntries(subjects.map((s) => [s.label, s.runs])),
      rawRuns,
      wrapped,
      failed,
    };
  } finally {
    raw.stop();
    for (const s of subjects) {
      await s.stop();
      await s.store.drop();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
