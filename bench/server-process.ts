/**
 * Spawns the servers under test as real child processes: adsm (`node dist/main.js`, built first
 * by the runner) and the raw node:http baseline (bench/raw-server.ts), and stops them with SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export interface ServerProcess {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** The last 64 KiB of stdout and stderr. */
  output(): string;
  readonly exited: Promise<number | string>;
  /** The exit code or signal once the process has ended, undefined while it runs. */
  exitStatus(): number | string | undefined;
  /** Sends SIGTERM and resolves with the exit code and how long the process took to end. */
  stop(): Promise<{ code: number | string; ms: number }>;
}

/** Settings the benchmark decides itself; never inherited from the caller's environment. */
const OWN_VARS = [
  'PORT',
  'HOST',
  'DATA_DIR',
  'DATABASE_URL',
  'REDIS_URL',
  'REDIS_PREFIX',
  'WORKERS',
  'ADMIN_TOKEN',
  'MAX_ADS_PER_DAY',
  'MAX_ACTIVE_ADS',
  'LOG_LEVEL',
  'ADSM_FAILPOINT',
];

function inheritedEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of OWN_VARS) delete env[name];
  return env;
}

const live = new Set<ChildProcess>();

/** Kills every server this process started that is still running (used on exit and on errors). */
export function killAll(): void {
  for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
process.on('exit', killAll);

export function spawnServer(
  name: string,
  args: string[],
  port: number,
  env: Record<string, string>,
): ServerProcess {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...inheritedEnv(), HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  live.add(child);
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 65_536) out = out.slice(-65_536);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => {
      live.delete(child);
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid,
    output: () => out,
    exited,
    exitStatus: () => child.exitCode ?? child.signalCode ?? undefined,
    async stop() {
      const start = performance.now();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const hard = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(hard);
      return { code, ms: Math.round(performance.now() - start) };
    },
  };
}

/** `GET /readyz` on a new connection (so node:cluster hands it to the next worker); 0 when refused. */
function probeReady(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/readyz`, { agent: false, timeout: 2_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/**
 * Polls `GET /readyz` every 10 ms, each time on a new connection, until it has answered 200
 * `consecutive` times in a row; resolves with the milliseconds waited. With node:cluster workers
 * one worker may be ready before another, so a multi-worker server needs several in a row.
 */
export async function waitReady(
  server: ServerProcess,
  timeoutMs = 120_000,
  since = performance.now(),
  consecutive = 1,
): Promise<number> {
  let gone = false;
  void server.exited.then(() => (gone = true));
  let streak = 0;
  while (performance.now() - since < timeoutMs) {
    if (gone) throw new Error(`${server.name} exited before it was ready:\n${server.output()}`);
    streak = (await probeReady(server.url)) === 200 ? streak + 1 : 0;
    if (streak >= consecutive) return Math.round(performance.now() - since);
    if (streak === 0) await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${server.name} not ready after ${timeoutMs} ms:\n${server.output()}`);
}

export interface AdsmOptions {
  readonly port?: number;
  /** Environment for the server: DATA_DIR or DATABASE_URL/REDIS_URL/REDIS_PREFIX, WORKERS, quotas… */
  readonly env: Record<string, string>;
}

/** Starts `node dist/main.js` and waits until /readyz says 200 (from every worker); `readyMs` is spawn-to-ready. */
export async function startAdsm(opts: AdsmOptions): Promise<{ server: ServerProcess; readyMs: number }> {
  const port = opts.port ?? (await freePort());
  const since = performance.now();
  const server = spawnServer('adsm', ['dist/main.js'], port, { LOG_LEVEL: 'info', ...opts.env });
  const workers = Number(opts.env.WORKERS ?? 1);
  const readyMs = await waitReady(server, 300_000, since, workers > 1 ? workers * 5 : 1);
  return { server, readyMs };
}

/**
 * Starts bench/raw-server.ts answering every request with `bodyFile`'s bytes and `headers`. The
 * file is transpiled to plain JavaScript in `dir` first, so the baseline runs on bare node with no
 * loader in the process.
 */
export async function startRaw(
  bodyFile: string,
  headers: Record<string, string>,
  workers: number,
  dir: string,
) {
  const source = readFileSync(join(ROOT, 'bench', 'raw-server.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  const script = join(dir, 'raw-server.mjs');
  writeFileSync(script, outputText);
  const port = await freePort();
  const server = spawnServer('raw node:http', [script], port, {
    RAW_BODY_FILE: bodyFile,
    RAW_HEADERS: JSON.stringify(headers),
    WORKERS: String(workers),
  });
  await waitReady(server, 30_000);
  return server;
}
