import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { adBody, getJson, post, startServer, tempDir, type Server } from './process.js';

const running: Server[] = [];
const dirs: ReturnType<typeof tempDir>[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop('SIGKILL')));
  dirs.splice(0).forEach((d) => d.remove());
});

async function start(dataDir: string, via: 'npm' | 'node' = 'node'): Promise<Server> {
  const s = await startServer({ via, env: { DATA_DIR: dataDir, SNAPSHOT_EVERY: '20' } });
  running.push(s);
  return s;
}

/** Everything a client can see: every public page and every ad by id. */
async function observe(url: string, ids: string[]): Promise<unknown> {
  const pages: unknown[] = [];
  for (let offset = 0; ; offset += 100) {
    const { body } = await getJson<{ items: unknown[] }>(`${url}/api/v1/ad?limit=100&offset=${offset}`);
    pages.push(body);
    if (body.items.length < 100) break;
  }
  const ads = await Promise.all(ids.map(async (id) => (await getJson(`${url}/api/v1/ad/${id}`)).body));
  return { pages, ads };
}

describe('embedded mode as a process', () => {
  it('a graceful restart keeps the state identical', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const first = await start(dir.path, 'npm');
    const ids: string[] = [];
    for (let i = 0; i < 45; i++) {
      const res = await post(first.url, adBody(i));
      expect(res.status).toBe(201);
      ids.push(((await res.json()) as { id: string }).id);
    }
    for (const id of ids.slice(0, 5)) {
      const res = await fetch(`${first.url}/api/v1/ad/${id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'if-match': '"1"' },
        body: JSON.stringify(
          adBody(99, { title: 'changed', conditions: [{ gender: ['F'] }, { platform: ['web'] }] }),
        ),
      });
      expect(res.status).toBe(200);
    }
    for (const id of ids.slice(5, 8)) {
      expect((await fetch(`${first.url}/api/v1/ad/${id}`, { method: 'DELETE' })).status).toBe(204);
    }
    const before = await observe(first.url, ids);
    const started = Date.now();
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);

    const second = await start(dir.path);
    expect(await observe(second.url, ids)).toEqual(before);
  });

  it('an Idempotency-Key retried after a restart from a snapshot is a replay', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const body = adBody(1);
    const headers = { 'idempotency-key': 'retry-me' };
    const first = await start(dir.path);
    const created = await post(first.url, body, headers);
    expect(created.status).toBe(201);
    const ad = (await created.json()) as { id: string };
    expect(await first.stop('SIGTERM')).toBe(0);

    // The restart recovers from the shutdown snapshot alone: no log entry comes after it.
    const db = new BetterSqlite3(join(dir.path, 'adsm.sqlite'), { readonly: true });
    try {
      const head = db.prepare<[], { seq: number }>('SELECT max(seq) AS seq FROM log').get();
      const snapshot = db.prepare<[], { seq: number }>('SELECT max(seq) AS seq FROM snapshots').get();
      expect(snapshot?.seq).toBe(head?.seq);
    } finally {
      db.close();
    }

    const second = await start(dir.path);
    const retried = await post(second.url, body, headers);
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect(((await retried.json()) as { id: string }).id).toBe(ad.id);
    const { body: page } = await getJson<{ items: { id: string }[] }>(`${second.url}/api/v1/ad?limit=100`);
    expect(page.items.map((i) => i.id)).toEqual([ad.id]);
  });

  it('kill -9 in the middle of a burst of concurrent creates loses no acknowledged create', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const server = await start(dir.path);
    const acked = new Map<string, unknown>();
    let stop = false;
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const res = await post(server.url, adBody(w * 10_000 + i));
          if (res.status === 201) {
            const body = (await res.json()) as { id: string };
            acked.set(body.id, body);
          }
        } catch {
          return; // connection died with the process
        }
      }
    };
    const workers = Array.from({ length: 16 }, (_, w) => worker(w));
    while (acked.size < 150) await new Promise((r) => setTimeout(r, 5));
    server.child.kill('SIGKILL');
    await server.exited;
    stop = true;
    await Promise.all(workers);
    expect(acked.size).toBeGreaterThanOrEqual(150);

    const again = await start(dir.path);
    for (const [id, body] of acked) {
      const { status, body: now } = await getJson<Record<string, unknown>>(`${again.url}/api/v1/ad/${id}`);
      expect(status).toBe(200);
      const { status: _s, ...withoutStatus } = now;
      expect(withoutStatus).toEqual(body);
    }
  });

  it.each([
    ['PORT', 'abc'],
    ['MAX_ADS_PER_DAY', '-1'],
    ['LOG_LEVEL', 'loud'],
    ['DATABASE_URL', 'postgres://127.0.0.1/x'],
    ['WORKERS', '4'],
  ])('a bad %s stops start-up with a message naming it', async (name, value) => {
    const dir = tempDir();
    dirs.push(dir);
    const s = await startServer({ env: { DATA_DIR: dir.path, [name]: value }, waitReady: false });
    running.push(s);
    const code = await s.exited;
    expect(code).not.toBe(0);
    const lines = s.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(name);
  });
});
