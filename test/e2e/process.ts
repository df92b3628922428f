/**
 * The process fixture of the e2e tests and the benchmarks (bench/): adsm as a real child process
 * (`node dist/main.js`, or `npm start`), on a random port, with a throw-away store (a temporary
 * DATA_DIR here; a fresh Postgres database and Redis prefix in `cluster.ts`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = new URL('../../', import.meta.url).pathname;

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

export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'adsm-e2e-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface Server {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Everything it wrote to stdout and stderr (the last MiB). */
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  readonly exited: Promise<number | string>;
  /** The exit code or signal once it has ended, undefined while it runs. */
  exitStatus(): number | string | undefined;
  /** Sends `signal` (SIGKILL after 15 s) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** `npm` runs `npm start` (build included); default runs the compiled server directly. */
  via?: 'npm' | 'node';
  /** Another script to run with node instead of the server (the benchmark's raw baseline). */
  script?: string;
  /** Options for node itself, before the script (e.g. `--cpu-prof`). */
  nodeArgs?: readonly string[];
  port?: number;
  /** The address to listen on and to reach it at (default 127.0.0.1). */
  host?: string;
  waitReady?: boolean;
  readyTimeoutMs?: number;
}

/** Settings a test or benchmark decides itself: never inherited from the caller's environment. */
const OWN_VARS = ['PORT', 'HOST', 'DATA_DIR', 'DATABASE_URL', 'REDIS_URL', 'REDIS_PREFIX', 'WORKERS'];
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** Spawns the server as a real child process and (by default) waits until /readyz says 200. */
export async function startServer(opts: StartOptions = {}): Promise<Server> {
  const port = opts.port ?? (await freePort());
  const host = opts.host ?? '127.0.0.1';
  const [cmd, args] =
    opts.via === 'npm'
      ? ['npm', ['start', '--silent']]
      : [process.execPath, [...(opts.nodeArgs ?? []), opts.script ?? 'dist/main.js']];
  const env = { ...process.env };
  for (const name of OWN_VARS) delete env[name];
  // Never the checkout's ./data: a server given no DATA_DIR gets a temporary one of its own.
  const ownData = opts.env?.DATA_DIR === undefined ? tempDir() : undefined;
  if (ownData) env.DATA_DIR = ownData.path;
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...env, LOG_LEVEL: 'info', HOST: host, PORT: String(port), ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 2 ** 20) out = out.slice(-(2 ** 20));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => {
      children.delete(child);
      ownData?.remove();
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  const server: Server = {
    url: `http://${host}:${port}`,
    port,
    pid: child.pid ?? 0,
    child,
    output: () => out,
    exited,
    exitStatus: () => child.exitCode ?? child.signalCode ?? undefined,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        // Under `npm start` the server is a grandchild: signal it, as a process manager would.
        const pid = opts.via === 'npm' ? serverPid(out) : undefined;
        if (pid && signal !== 'SIGKILL') process.kill(pid, signal);
        else child.kill(signal);
        if (pid && signal === 'SIGKILL') process.kill(pid, signal);
      }
      const hard = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(hard);
      return code;
    },
  };
  if (opts.waitReady !== false) await waitReady(server, opts.readyTimeoutMs);
  return server;
}

/** The server's pid, from its first structured log line. */
function serverPid(output: string): number | undefined {
  const m = /"pid":(\d+)/.exec(output);
  return m ? Number(m[1]) : undefined;
}

/** `GET /readyz` on a new connection (so node:cluster may hand it to any worker); 0 when refused. */
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
 * Polls `/readyz` every 10 ms until it has answered 200 `streak` times in a row (several for a
 * server with node:cluster workers: one may be ready before another).
 */
export async function waitReady(server: Server, timeoutMs = 30_000, streak = 1): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitedEarly = false;
  void server.exited.then(() => (exitedEarly = true));
  let ok = 0;
  while (Date.now() < deadline) {
    if (exitedEarly) throw new Error(`server exited before ready:\n${server.output()}`);
    ok = (await probeReady(server.url)) === 200 ? ok + 1 : 0;
    if (ok >= streak) return;
    if (ok === 0) await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`server not ready in ${timeoutMs} ms:\n${server.output()}`);
}

export const adBody = (i: number, over: Record<string, unknown> = {}) => ({
  title: `AD ${i}`,
  startAt: new Date(Date.now() - 3_600_000).toISOString(),
  endAt: new Date(Date.now() + 86_400_000 + i * 1000).toISOString(),
  conditions: { ageStart: 18, ageEnd: 40, country: ['TW', 'jp'], platform: ['ios'] },
  ...over,
});

export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${url}/api/v1/ad`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

export async function getJson<T = unknown>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T };
}
