import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWalSync, openSqlite, walFilename } from './sqlite-connection.js';

/** `PRAGMA synchronous` answers a number: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA. */
const FULL = 2;
const NORMAL = 1;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'adsm-'));
  dirs.push(dir);
  return join(dir, 'nested', 'adsm.sqlite');
}

describe('sqlite connection', () => {
  it.each([
    ['shared', false],
    ['exclusive', true],
  ])('connection (%s) is durable: WAL journal and synchronous=FULL', (_name, exclusive) => {
    const db = openSqlite(tempFile(), { exclusive });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(FULL);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(db.pragma('locking_mode', { simple: true })).toBe(exclusive ? 'exclusive' : 'normal');
    } finally {
      db.close();
    }
  });

  it('a connection whose caller syncs the WAL itself does not sync inside commits', () => {
    const db = openSqlite(tempFile(), { syncOnCommit: false });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(NORMAL);
    } finally {
      db.close();
    }
  });

  it("bounds the page cache when asked (KiB), SQLite's build default otherwise", () => {
    const bounded = openSqlite(tempFile(), { cacheKiB: 2048 });
    const plain = openSqlite(tempFile());
    try {
      expect(bounded.pragma('cache_size', { simple: true })).toBe(-2048);
      expect(plain.pragma('cache_size', { simple: true })).toBe(-16000);
    } finally {
      bounded.close();
      plain.close();
    }
  });
});

describe('WalSync', () => {
  /** A flush that finishes when the test says so. */
  function gatedFlush() {
    const gates: (() => void)[] = [];
    const datasync = () => new Promise<void>((resolve) => gates.push(resolve));
    return { datasync, gates };
  }

  it('a sync asked for while a flush runs waits for the next flush, shared by every such caller', async () => {
    const { datasync, gates } = gatedFlush();
    const sync = createWalSync('unused', datasync);
    const order: string[] = [];
    const a = sync().then(() => order.push('a'));
    const b = sync().then(() => order.push('b'));
    const c = sync().then(() => order.push('c'));
    expect(gates).toHaveLength(1);
    gates[0]!();
    await a;
    await Promise.resolve();
    expect(order).toEqual(['a']);
    expect(gates).toHaveLength(2);
    gates[1]!();
    await Promise.all([b, c]);
    expect(order).toEqual(['a', 'b', 'c']);
    expect(gates).toHaveLength(2);
  });

  it('a failed flush fails its callers; the next sync flushes again', async () => {
    let fail = true;
    let calls = 0;
    const sync = createWalSync('unused', () => {
      calls++;
      return fail ? Promise.reject(new Error('EIO')) : Promise.resolve();
    });
    await expect(sync()).rejects.toThrow('EIO');
    fail = false;
    await sync();
    expect(calls).toBe(2);
  });

  it('inline: flushes at once on the event loop; once flushes are slow on average, on the pool for a second', async () => {
    let inlineCalls = 0;
    let slow = false;
    const { datasync, gates } = gatedFlush();
    const sync = createWalSync('unused', datasync, {
      slowMs: 1,
      flush: () => {
        inlineCalls++;
        const until = performance.now() + (slow ? 20 : 0);
        while (performance.now() < until);
      },
    });
    await sync();
    await sync();
    expect(inlineCalls).toBe(2);
    expect(gates).toHaveLength(0);
    // 20 ms once: the average of the last ~10 passes 1 ms.
    slow = true;
    await sync();
    expect(inlineCalls).toBe(3);
    // The next second's syncs go to the pool and share its flushes as before.
    const a = sync();
    const b = sync();
    expect(inlineCalls).toBe(3);
    expect(gates).toHaveLength(1);
    gates[0]!();
    await a;
    // While a pool flush runs, no inline flush jumps ahead of it: b waits for the next one.
    expect(gates).toHaveLength(2);
    gates[1]!();
    await b;
    expect(inlineCalls).toBe(3);
  });

  it('inline: a failed flush fails its caller', async () => {
    const sync = createWalSync('unused', undefined, {
      slowMs: 5,
      flush: () => {
        throw new Error('EIO');
      },
    });
    await expect(sync()).rejects.toThrow('EIO');
  });

  it('inline: flushes the real WAL file of a database, and copes with none yet', async () => {
    const file = tempFile();
    const db = openSqlite(file, { syncOnCommit: false });
    const sync = createWalSync(file, undefined, { slowMs: 1_000 });
    try {
      await expect(sync()).resolves.toBeUndefined();
      db.exec('CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)');
      await expect(sync()).resolves.toBeUndefined();
    } finally {
      await sync.close();
      db.close();
    }
  });

  it('flushes the real WAL file of a database, and copes with none yet', async () => {
    const file = tempFile();
    const db = openSqlite(file, { syncOnCommit: false });
    const sync = createWalSync(file);
    try {
      await expect(sync()).resolves.toBeUndefined();
      db.exec('CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)');
      expect(statSync(walFilename(file)).size).toBeGreaterThan(0);
      await expect(sync()).resolves.toBeUndefined();
    } finally {
      await sync.close();
      db.close();
    }
  });
});
