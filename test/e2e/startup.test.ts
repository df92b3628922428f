import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, startServer, tempDir, type Server } from './process.js';

/** Start-up as an operator meets it: safe defaults, no secret in any message, clear refusals. */

const started: Server[] = [];
const dirs: ReturnType<typeof tempDir>[] = [];
afterEach(async () => {
  for (const s of started.splice(0)) await s.stop('SIGKILL');
  for (const d of dirs.splice(0)) d.remove();
});

async function run(env: Record<string, string>, waitReady = true): Promise<Server> {
  const data = tempDir();
  dirs.push(data);
  const server = await startServer({ env: { DATA_DIR: data.path, ...env }, waitReady });
  started.push(server);
  return server;
}

/** Runs the server expecting it to refuse to start; answers its exit code and output. */
async function refused(env: Record<string, string>): Promise<{ code: number | string; lines: string[] }> {
  const server = await run(env, false);
  const code = await server.exited;
  return { code, lines: server.output().trim().split('\n') };
}

const listeningOn = (server: Server): string | undefined => {
  const line = server
    .output()
    .split('\n')
    .find((l) => l.includes('"listening"'));
  return line ? (JSON.parse(line) as { host: string }).host : undefined;
};

describe('safe defaults', () => {
  it('without ADMIN_TOKEN listens on loopback only and warns that admin routes are open', async () => {
    const server = await run({ HOST: '' });
    expect(listeningOn(server)).toBe('127.0.0.1');
    expect(server.output()).toMatch(/"level":40.*ADMIN_TOKEN is not set/);
  });

  it('with ADMIN_TOKEN listens on every interface by default and does not warn', async () => {
    const server = await run({ HOST: '', ADMIN_TOKEN: 'a-long-enough-token' });
    expect(listeningOn(server)).toBe('0.0.0.0');
    expect(server.output()).not.toContain('ADMIN_TOKEN is not set');
    expect(server.output()).not.toContain('a-long-enough-token');
  });

  it('refuses a non-loopback HOST without ADMIN_TOKEN, in one line naming ADMIN_TOKEN', async () => {
    const { code, lines } = await refused({ HOST: '0.0.0.0' });
    expect(code).not.toBe(0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('ADMIN_TOKEN');
    expect(lines[0]).toContain('ADMIN_AUTH=off');
  });

  it('serves open admin routes on another address when ADMIN_AUTH=off says so, with a warning', async () => {
    const server = await run({ HOST: '0.0.0.0', ADMIN_AUTH: 'off' });
    expect(listeningOn(server)).toBe('0.0.0.0');
    expect(server.output()).toContain('ADMIN_TOKEN is not set');
  });
});

describe('no secret in any message', () => {
  it('never shows a token, names the variable once', async () => {
    const { code, lines } = await refused({ ADMIN_TOKEN: 'hunter2' });
    expect(code).not.toBe(0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('hunter2');
    expect(lines[0]!.match(/ADMIN_TOKEN/g)).toHaveLength(1);
  });

  it('shows a database URL without its password, names the variable once', async () => {
    const { code, lines } = await refused({
      DATABASE_URL: 'postgres://adsm:S3cretPw@db:5432/adsm',
      REDIS_URL: '',
    });
    expect(code).not.toBe(0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('S3cretPw');
    expect(lines[0]).toContain('postgres://adsm:***@db:5432/adsm');
    expect(lines[0]!.match(/DATABASE_URL/g)).toHaveLength(1);
  });
});

describe('port in use', () => {
  it('exits non-zero with one line naming PORT, and never says ready', async () => {
    const port = await freePort();
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
    try {
      const data = tempDir();
      dirs.push(data);
      const server = await startServer({ port, env: { DATA_DIR: data.path }, waitReady: false });
      started.push(server);
      expect(await server.exited).toBe(3);
      const lines = server
        .output()
        .trim()
        .split('\n')
        .filter((l) => !l.includes('"level":40'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^cannot listen: PORT \d+ .*already in use/);
      expect(server.output()).not.toContain('"ready"');
    } finally {
      holder.close();
    }
  });
});

describe('npm start', () => {
  it('SIGTERM to the npm process stops the server (as a process manager does)', async () => {
    const data = tempDir();
    dirs.push(data);
    const port = await freePort();
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: new URL('../../', import.meta.url).pathname,
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: data.path, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    npm.stdout.on('data', (d: Buffer) => (out += d.toString()));
    npm.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const npmExited = new Promise((resolve) => npm.on('exit', resolve));
    const deadline = Date.now() + 90_000;
    while (!out.includes('"ready"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const serverPid = Number(/"pid":(\d+)/.exec(out)?.[1]);
    expect(serverPid, out).toBeGreaterThan(0);
    expect(serverPid).not.toBe(npm.pid);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

    npm.kill('SIGTERM');
    await npmExited;
    const gone = Date.now() + 10_000;
    while (alive(serverPid) && Date.now() < gone) await new Promise((r) => setTimeout(r, 100));
    const stillAlive = alive(serverPid);
    if (stillAlive) process.kill(serverPid, 'SIGKILL');
    expect(stillAlive, 'the server outlived npm').toBe(false);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    expect(out).toContain('"stopped"');
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
