import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { chownSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL } from '../support/redis.js';
import { sleep } from './cluster.js';
import { adBody, freePort, post, startServer, tempDir, type Server } from './process.js';
import { events, expectOutage, expectRecovered, outagesLogged } from './store-failures.js';

/** The newest installed PostgreSQL's programs (Debian keeps them out of PATH). */
function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const bin = versions.map((v) => join(root, v, 'bin')).find((d) => existsSync(join(d, 'pg_ctl')));
  if (!bin) throw new Error(`no PostgreSQL under ${root}: install postgresql`);
  return bin;
}

/**
 * A Postgres cluster of this test's own (initdb, pg_ctl) on a free port, so that it can be stopped
 * and restarted without touching the shared server other test files use. Run as `postgres` when
 * the tests run as root (initdb refuses root).
 */
class ThrowawayPostgres {
  readonly dir = tempDir();
  readonly data = join(this.dir.path, 'data');
  port = 0;
  private readonly bin = postgresBin();

  private run(program: string, args: string[]): void {
    const cmd = join(this.bin, program);
    const [file, argv] =
      process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
    execFileSync(file, argv, { stdio: 'pipe', timeout: 60_000 });
  }

  async init(): Promise<void> {
    if (process.getuid?.() === 0) {
      const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }));
      chownSync(this.dir.path, id('-u'), id('-g'));
    }
    this.port = await freePort();
    this.run('initdb', ['-D', this.data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    this.start();
  }

  start(): void {
    const options = `-p ${this.port} -k ${this.dir.path} -c listen_addresses=127.0.0.1 -c fsync=off`;
    this.run('pg_ctl', ['-D', this.data, '-l', join(this.dir.path, 'log'), '-o', options, '-w', 'start']);
  }

  stop(mode: 'fast' | 'immediate' = 'fast'): void {
    this.run('pg_ctl', ['-D', this.data, '-m', mode, '-w', 'stop']);
  }

  /** Restarts it (fast shutdown) without blocking the event loop, so requests go on meanwhile. */
  async restart(): Promise<void> {
    const options = `-p ${this.port} -k ${this.dir.path} -c listen_addresses=127.0.0.1 -c fsync=off`;
    const cmd = join(this.bin, 'pg_ctl');
    const args = [
      '-D',
      this.data,
      '-l',
      join(this.dir.path, 'log'),
      '-o',
      options,
      '-m',
      'fast',
      '-w',
      'restart',
    ];
    const [file, argv] =
      process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
    await promisify(execFile)(file, argv, { timeout: 60_000 });
  }

  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  remove(): void {
    try {
      this.stop('immediate');
    } catch {
      // already stopped
    }
    this.dir.remove();
  }
}

describe('a Postgres of its own, stopped and restarted under a replica', () => {
  const postgres = new ThrowawayPostgres();
  let server: Server;
  let known: string;

  beforeAll(async () => {
    await postgres.init();
    const admin = new pg.Client({ connectionString: postgres.url('postgres') });
    await admin.connect();
    await admin.query('CREATE DATABASE adsm');
    await admin.end();
    server = await startServer({
      env: {
        DATABASE_URL: postgres.url('adsm'),
        REDIS_URL: `${TEST_REDIS_URL}/4`,
        REDIS_PREFIX: `pg-restart-${randomUUID().slice(0, 8)}`,
        WORKERS: '1',
        POLL_INTERVAL_MS: '500',
        MAX_ADS_PER_DAY: '0',
        MAX_ACTIVE_ADS: '0',
      },
      readyTimeoutMs: 60_000,
    });
    const res = await post(server.url, adBody(0, { title: 'before' }));
    expect(res.status).toBe(201);
    known = ((await res.json()) as { id: string }).id;
  }, 180_000);
  afterAll(async () => {
    await server?.stop('SIGKILL');
    postgres.remove();
  });

  it('refused connections while nothing listens, then writes again once it is back', async () => {
    const before = outagesLogged(server);
    postgres.stop();
    try {
      await expectOutage(server, known, 'stopped');
    } finally {
      postgres.start();
    }
    await expectRecovered(server, 'stopped');
    expect(outagesLogged(server)).toBe(before + 1);
  });

  it('a restart under writes: 57P01, refused, starting up; every answer 201 or 503, events always accepted', async () => {
    const before = outagesLogged(server);
    const statuses: number[] = [];
    const eventStatuses: number[] = [];
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const res = await post(server.url, adBody(i, { title: `during restart ${i}` }));
        statuses.push(res.status);
        await res.text();
        const ev = await events(server.url, [{ type: 'impression', adId: known }]);
        eventStatuses.push(ev.status);
        await ev.text();
        await sleep(20);
      }
    })();
    await sleep(500);
    const during = statuses.length;
    await postgres.restart();
    const after = statuses.length;
    // Writes come back by themselves: a run of successes after the restart.
    const deadline = Date.now() + 30_000;
    const recovered = () => statuses.length >= after + 5 && statuses.slice(-5).every((s) => s === 201);
    while (Date.now() < deadline && !recovered()) await sleep(100);
    writing = false;
    await writer;
    expect(statuses.slice(-5)).toEqual([201, 201, 201, 201, 201]);
    // Requests were made while it restarted, and they met it.
    expect(after - during).toBeGreaterThan(0);
    expect(statuses.filter((s) => s !== 201 && s !== 503)).toEqual([]);
    expect(eventStatuses.filter((s) => s !== 202)).toEqual([]);
    // One restart, at most one outage logged (none if no request met it).
    expect(outagesLogged(server) - before).toBeLessThanOrEqual(1);
    await expectRecovered(server, 'restart');
  });
});
