/**
 * Load generators: wrk (`bench/wrk.lua`) when `/usr/bin/wrk` exists, else autocannon (a
 * devDependency, run in this process: it builds requests in JavaScript and takes CPU from the
 * server on the same machine, so it reports lower req/s). Both send a list of requests written to
 * a file, one per line: `METHOD PATH` or `METHOD PATH JSON-BODY`.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, ROOT } from '../test/e2e/process.js';
import { zipfSampler } from './mix.js';

export const WRK = '/usr/bin/wrk';

/** How requests are drawn from a list of paths: each equally likely, or Zipf (rank k ~ 1/k^s). */
export type Draw = { readonly kind: 'uniform' } | { readonly kind: 'zipf'; readonly s: number };
export const hasWrk = (): boolean => existsSync(WRK);

export interface LoadOptions {
  readonly url: string;
  /** The request list (see above), or with `draw` the paths to draw from, most popular first. */
  readonly file: string;
  /** Every request a fresh draw from `file`'s paths (`bench/wrk-draw.lua`) instead of cycling through a list. */
  readonly draw?: Draw;
  readonly connections: number;
  readonly durationS: number;
  readonly threads: number;
  readonly tool: 'wrk' | 'autocannon';
}

export interface LoadResult {
  readonly rps: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Answers with a status >= 400 (wrk's count) or outside 2xx (autocannon's). */
  readonly non2xx: number;
  /** Connect, read and write errors and timeouts. */
  readonly socketErrors: number;
}

export const load = (o: LoadOptions): Promise<LoadResult> => (o.tool === 'wrk' ? wrk(o) : autocannon(o));

/** wrk's figures for one run (latencies in ms). */
export interface WrkRun {
  readonly rps: number;
  /** Answers with a status >= 400. */
  readonly non2xx: number;
  /** Connect, read and write errors and timeouts. */
  readonly socket: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * One wrk run of `script` (a file of bench/, which loads `wrk-common.lua` for its figures) with
 * `args` after `--`.
 */
export async function wrkRun(o: {
  readonly url: string;
  readonly script: string;
  readonly args: readonly string[];
  readonly connections: number;
  readonly durationS: number;
  readonly threads?: number;
}): Promise<WrkRun> {
  const threads = String(Math.max(1, Math.min(o.threads ?? 2, o.connections)));
  const argv = ['-t', threads, '-c', String(o.connections), '-d', `${o.durationS}s`, '--timeout', '5s'];
  argv.push('-s', join(ROOT, 'bench', o.script), o.url, '--', ...o.args);
  const { stdout } = await promisify(execFile)(WRK, argv, { timeout: (o.durationS + 30) * 1000 });
  const line = stdout.split('\n').find((l) => l.startsWith('WRK_JSON '));
  if (!line) throw new Error(`wrk printed no figures:\n${stdout}`);
  const j = JSON.parse(line.slice(9)) as Record<string, number>;
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    rps: Math.round(j.requests! / (j.duration_us! / 1e6)),
    non2xx: j.status!,
    socket: j.connect! + j.read! + j.write! + j.timeout!,
    p50: ms(j.p50!),
    p90: ms(j.p90!),
    p99: ms(j.p99!),
    max: ms(j.max!),
  };
}

async function wrk(o: LoadOptions): Promise<LoadResult> {
  const r = await wrkRun({
    url: o.url,
    script: o.draw === undefined ? 'wrk.lua' : 'wrk-draw.lua',
    args:
      o.draw === undefined
        ? [o.file]
        : [o.file, o.draw.kind, ...(o.draw.kind === 'zipf' ? [String(o.draw.s)] : [])],
    connections: o.connections,
    durationS: o.durationS,
    threads: o.threads,
  });
  return {
    rps: r.rps,
    latencyMs: { p50: r.p50, p99: r.p99, max: r.max },
    non2xx: r.non2xx,
    socketErrors: r.socket,
  };
}

/**
 * A baseline server of bench/ (`script`, plain JavaScript) on a free port, with `env` added to
 * this process's, once it answers /readyz.
 */
export async function startRaw(
  script: string,
  env: Readonly<Record<string, string>> = {},
): Promise<{ url: string; pid: number; stop(): void }> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'bench', script)], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, pid: child.pid ?? 0, stop: () => void child.kill('SIGTERM') };
}

interface AutocannonResult {
  duration: number;
  errors: number;
  non2xx: number;
  requests: { total: number };
  latency: { p50: number; p99: number; max: number };
}
type Autocannon = (o: object) => Promise<AutocannonResult>;

async function autocannon(o: LoadOptions): Promise<LoadResult> {
  const run = createRequire(import.meta.url)('autocannon') as Autocannon;
  const list = readFileSync(o.file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [method, path, ...body] = o.draw ? ['GET', line] : line.split(' ');
      return body.length === 0
        ? { method, path }
        : { method, path, body: body.join(' '), headers: { 'content-type': 'application/json' } };
    });
  let i = 0;
  const next = drawer(list.length, o.draw);
  const r = await run({
    url: o.url,
    connections: o.connections,
    duration: o.durationS,
    timeout: 5,
    requests: [{ setupRequest: (req: object) => ({ ...req, ...list[next ? next() : i++ % list.length] }) }],
  });
  return {
    rps: Math.round(r.requests.total / r.duration),
    latencyMs: { p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max },
    non2xx: r.non2xx,
    socketErrors: r.errors,
  };
}

/** Autocannon's draw: the same distributions as `bench/wrk-draw.lua`, with Math.random. */
function drawer(n: number, draw: Draw | undefined): (() => number) | undefined {
  if (draw === undefined) return undefined;
  if (draw.kind === 'zipf') return zipfSampler(n, draw.s, Math.random);
  return () => Math.floor(Math.random() * n);
}
