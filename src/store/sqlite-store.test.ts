import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateSqlite } from '../db/sqlite-migrate.js';
import { walFilename } from '../db/sqlite-connection.js';
import { createSqliteStore, sqliteFilename } from './sqlite-store.js';
import { append, checkKeyPruning, liveAmong, storeContract, testAd } from './store.contract.js';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'adsm-'));

/** Reads the file through a second connection, as another process would. */
function query<T>(dataDir: string, sql: string): T[] {
  const db = new BetterSqlite3(sqliteFilename(dataDir), { readonly: true });
  try {
    return db.prepare<[], T>(sql).all();
  } finally {
    db.close();
  }
}

storeContract('sqlite', () => {
  const root = tempDir();
  const dataDir = join(root, 'nested', 'data');
  const store = createSqliteStore({ dataDir });
  return Promise.resolve({
    store,
    reopen: () => Promise.resolve(createSqliteStore({ dataDir })),
    snapshotSeqs: () =>
      Promise.resolve(
        query<{ seq: number }>(dataDir, 'SELECT seq FROM snapshots ORDER BY seq').map((r) => r.seq),
      ),
    cleanup: async () => {
      await store.close();
      rmSync(root, { recursive: true, force: true });
    },
  });
});

describe('sqlite store', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('applies each migration once, also across reopens', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    await createSqliteStore({ dataDir }).close();
    await createSqliteStore({ dataDir }).close();
    expect(query<{ name: string }>(dataDir, 'SELECT name FROM schema_migrations')).toEqual([
      { name: '0001_init.sql' },
      { name: '0002_snapshot_parts.sql' },
    ]);

    const db = new BetterSqlite3(sqliteFilename(dataDir));
    try {
      expect(migrateSqlite(db)).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('orders commits from two connections on one file in one log', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const one = createSqliteStore({ dataDir });
    const two = createSqliteStore({ dataDir });
    try {
      for (let i = 0; i < 6; i++) {
        const store = i % 2 === 0 ? one : two;
        expect((await append(store, { type: 'create', at: i, ad: testAd(`a${i}`) }))?.seq).toBe(i + 1);
      }
      expect((await two.readLog(0, 10)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(
        await liveAmong(
          one,
          [0, 1, 2, 3, 4, 5].map((i) => `a${i}`),
        ),
      ).toHaveLength(6);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('migrates a fresh file and writes it in WAL mode', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const filename = join(dir, 'x.sqlite');
    const db = new BetterSqlite3(filename);
    try {
      expect(migrateSqlite(db)).toEqual(['0001_init.sql', '0002_snapshot_parts.sql']);
      expect(migrateSqlite(db)).toEqual([]);
    } finally {
      db.close();
    }
    const store = createSqliteStore({ filename });
    await store.close();
    const check = new BetterSqlite3(filename, { readonly: true });
    try {
      expect(check.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      check.close();
    }
  });

  it('an exclusive store keeps a second opener out until it closes', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const owner = createSqliteStore({ dataDir, exclusive: true });
    await append(owner, { type: 'create', at: 1, ad: testAd('x') });
    expect(() => createSqliteStore({ dataDir, exclusive: true })).toThrow(/in use by another adsm process/);
    await owner.close();
    const next = createSqliteStore({ dataDir, exclusive: true });
    expect(await next.headSeq()).toBe(1);
    await next.close();
  });

  it('prunes idempotency keys past their time', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const store = createSqliteStore({ dataDir });
    try {
      await checkKeyPruning(store, () =>
        Promise.resolve(
          query<{ key: string }>(dataDir, 'SELECT key FROM idempotency_keys').map((r) => r.key),
        ),
      );
    } finally {
      await store.close();
    }
  });

  it('answers a commit only after the WAL holding it was flushed, one flush for commits that wait together', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const wal = walFilename(sqliteFilename(dataDir));
    let release = () => {};
    const flushes: number[] = [];
    const store = createSqliteStore({
      dataDir,
      datasync: () => {
        // The commit's frames are in the WAL file before the flush starts.
        flushes.push(existsSync(wal) ? statSync(wal).size : 0);
        return new Promise<void>((resolve) => (release = resolve));
      },
    });
    try {
      let done = 0;
      const first = append(store, { type: 'create', at: 1, ad: testAd('a') }).then(() => done++);
      await new Promise((r) => setTimeout(r, 20));
      expect(flushes).toHaveLength(1);
      expect(flushes[0]).toBeGreaterThan(0);
      // Two more commits while the first flush runs: both wait for one later flush.
      const later = [
        append(store, { type: 'create', at: 2, ad: testAd('b') }).then(() => done++),
        append(store, { type: 'create', at: 3, ad: testAd('c') }).then(() => done++),
      ];
      await new Promise((r) => setTimeout(r, 20));
      expect(done).toBe(0);
      expect(await store.headSeq()).toBe(3);
      release();
      await first;
      expect(done).toBe(1);
      await new Promise((r) => setTimeout(r, 20));
      expect(flushes).toHaveLength(2);
      expect(flushes[1]).toBeGreaterThan(flushes[0]!);
      expect(done).toBe(1);
      release();
      await Promise.all(later);
      expect(done).toBe(3);
      expect(flushes).toHaveLength(2);
    } finally {
      release();
      await store.close();
    }
  });
});
