import { spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  cpSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
} from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, tempDir, waitReady, type Server } from './process.js';

/**
 * The Docker image's assumptions, checked without a Docker engine: its entry point runs as an
 * unprivileged user, in a read-only copy of the app folder, with the image's environment.
 */

const ROOT = new URL('../../', import.meta.url).pathname;
const NOBODY = { uid: 65534, gid: 65534 };

interface Image {
  env: Record<string, string>;
  user: string;
  volumes: string[];
  copies: string[];
  runs: string[];
  workdir: string;
}

/** The last stage of the Dockerfile: its ENV, USER, VOLUME, COPY and RUN lines. */
function finalStage(): Image {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const stage = text.slice(text.lastIndexOf('\nFROM '));
  const image: Image = { env: {}, user: 'root', volumes: [], copies: [], runs: [], workdir: '/' };
  for (const line of stage.split('\n').map((l) => l.trim())) {
    const [op = '', ...rest] = line.split(/\s+/);
    const arg = rest.join(' ');
    if (op === 'ENV') for (const m of arg.matchAll(/(\w+)=(\S+)/g)) image.env[m[1]!] = m[2]!;
    if (op === 'USER') image.user = arg;
    if (op === 'VOLUME') image.volumes.push(...rest);
    if (op === 'COPY') image.copies.push(rest[rest.length - 2]!.replace(/^\/app\//, ''));
    if (op === 'RUN') image.runs.push(arg);
    if (op === 'WORKDIR') image.workdir = arg;
  }
  return image;
}

/**
 * The image's `node_modules`: the production packages of the lockfile (what `npm prune
 * --omit=dev` keeps), hard-linked where the temp folder shares the checkout's file system and
 * copied where it does not. Never a symlink: the image's user must not need to reach the
 * checkout, wherever it lives (a clone in `mktemp -d`, root's home folder).
 */
function productionModules(to: string): void {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  const devOnly = new Set(
    Object.entries(lock.packages)
      .filter(([path, p]) => path !== '' && p.dev === true)
      .map(([path]) => path),
  );
  const walk = (dir: string) => {
    const rel = relative(ROOT, dir);
    if (devOnly.has(rel) || rel.endsWith('/.bin')) return;
    mkdirSync(join(to, rel), { recursive: true, mode: 0o755 });
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const from = join(dir, entry.name);
      if (entry.isDirectory()) walk(from);
      else if (entry.isFile()) {
        const target = join(to, relative(ROOT, from));
        try {
          linkSync(from, target);
        } catch {
          copyFileSync(from, target);
        }
      }
    }
  };
  walk(join(ROOT, 'node_modules'));
}

const dirs: ReturnType<typeof tempDir>[] = [];
afterAll(() => {
  for (const d of dirs) d.remove();
});

describe('the Docker image', () => {
  const image = finalStage();

  it('runs as an unprivileged user and keeps its data in a volume that user owns', () => {
    expect(image.user).toBe('node');
    const dataDir = image.env.DATA_DIR ?? './data';
    expect(isAbsolute(dataDir), `DATA_DIR=${dataDir} would live in the root-owned ${image.workdir}`).toBe(
      true,
    );
    expect(image.volumes).toContain(dataDir);
    expect(image.runs.some((r) => r.includes(`chown node:node ${dataDir}`))).toBe(true);
    expect(image.env.HOST).toBe('0.0.0.0');
  });

  // Switching to an unprivileged user needs root, which the test machines and CI have.
  it.skipIf(process.getuid?.() !== 0)(
    'embedded mode starts and takes writes as that user in a read-only app folder',
    async () => {
      const tmp = tempDir();
      dirs.push(tmp);
      chmodSync(tmp.path, 0o755);
      const app = join(tmp.path, 'app');
      mkdirSync(app, { mode: 0o755 }); // root-owned: read-only to the image's user
      for (const item of image.copies) {
        if (item.startsWith('node_modules')) productionModules(app);
        else
          cpSync(join(ROOT, item.replace(/^\.\//, '')), join(app, item.replace(/^\.\//, '')), {
            recursive: true,
          });
      }
      // The volume: an empty folder owned by the image's user, wherever DATA_DIR points.
      const volume = join(tmp.path, 'volume');
      mkdirSync(volume);
      chownSync(volume, NOBODY.uid, NOBODY.gid);
      const dataDir = image.env.DATA_DIR ?? './data';
      const env = { ...image.env, DATA_DIR: isAbsolute(dataDir) ? volume : dataDir };

      const port = await freePort();
      const token = 'image-test-token-0123456789';
      const child = spawn(
        'setpriv',
        [
          `--reuid=${NOBODY.uid}`,
          `--regid=${NOBODY.gid}`,
          '--clear-groups',
          process.execPath,
          'dist/main.js',
        ],
        {
          cwd: app,
          env: {
            PATH: process.env.PATH ?? '',
            ...env,
            PORT: String(port),
            ADMIN_TOKEN: token,
            LOG_LEVEL: 'info',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | string>((resolve) =>
        child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
      );
      let status: number | string | undefined;
      void exited.then((s) => (status = s));
      const server: Server = {
        url: `http://127.0.0.1:${port}`,
        port,
        pid: child.pid ?? 0,
        child,
        output: () => out,
        exited,
        exitStatus: () => status,
        stop: () => (child.kill('SIGTERM'), exited),
      };
      let failure: Error | undefined;
      try {
        await waitReady(server);
        const res = await fetch(`${server.url}/api/v1/ad`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({
            title: 'as node',
            startAt: '2026-01-01T00:00:00Z',
            endAt: '2099-01-01T00:00:00Z',
          }),
        });
        expect(res.status, out).toBe(201);
        const ui = await fetch(`${server.url}/docs/swagger-ui-bundle.js`);
        expect(ui.status, 'the reference UI is served from node_modules').toBe(200);
      } catch (err) {
        failure = err instanceof Error ? err : new Error(String(err));
      }
      // Stopped whatever happened above; the first failure is the one reported, with the output.
      const exit = await server.stop();
      if (failure) throw failure;
      expect(exit, `exit status on SIGTERM; server output:\n${out}`).toBe(0);
      expect(out).not.toContain('EACCES');
    },
  );
});
