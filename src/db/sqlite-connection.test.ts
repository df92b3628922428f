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

  it('parallel: a sync asked for while a flush runs starts its own at once, up to the limit; later ones share the next', async () => {
    const { datasync, gates } = gatedFlush();
    const sync = createWalSync('unused', datasync, { parallel: 2 });
    const order: string[] = [];
    const a = sync().then(() => order.push('a'));
    const b = sync().then(() => order.push('b'));
    expect(gates).toHaveLength(2);
    const c = sync().then(() => order.push('c'));
    const d = sync().then(() => order.push('d'));
    expect(gates).toHaveLength(2);
    gates[0]!();
    await a;
    await Promise.resolve();
    expect(order).toEqual(['a']);
    // The first flush ended: c and d share one started now (b's still runs).
    expect(gates).toHaveLength(3);
    gates[1]!();
    await b;
    gates[2]!();
    await Promise.all([c, d]);
    expect(order).toEqual(['a', 'b', 'c', 'd']);
    expect(gates).toHaveLength(3);
  });

  it('parallel: calls resolve in order; the end of a later flush settles the calls an earlier one still holds', async () => {
    const { datasync, gates } = gatedFlush();
    const sync = createWalSync('unused', datasync, { parallel: 2 });
    const order: string[] = [];
    const a = sync().then(() => order.push('a'));
    const b = sync().then(() => order.push('b'));
    // The second flush started after a's commit: it covers a too.
    gates[1]!();
    await Promise.all([a, b]);
    expect(order).toEqual(['a', 'b']);
    gates[0]!();
    await sync.close();
  });

  it('parallel: a failed flush fails every call it covers, and no call it does not', async () => {
    const results: ((err?: Error) => void)[] = [];
    const sync = createWalSync(
      'unused',
      () => new Promise<void>((resolve, reject) => results.push((err) => (err ? reject(err) : resolve()))),
      { parallel: 2 },
    );
    const a = sync();
    const b = sync();
    const c = sync();
    results[1]!(new Error('EIO'));
    await expect(a).rejects.toThrow('EIO');
    await expect(b).rejects.toThrow('EIO');
    // c came after both flushes started: the one started for it decides.
    expect(results).toHaveLength(3);
    results[2]!();
    await expect(c).resolves.toBeUndefined();
    results[0]!();
    await sync.close();
  });

  it('flushes the real WAL file of a database, and copes with none yet', async () => {
    const file = tempFile();
    const db = openSqlite(file, { syncOnCommit: false });
    const sync = createWalSync(file, undefined, { parallel: 2 });
    try {
      await expect(sync()).resolves.toBeUndefined();
      db.exec('CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)');
      expect(statSync(walFilename(file)).size).toBeGreaterThan(0);
      // Two flushes at once open the file once between them.
      await expect(Promise.all([sync(), sync(), sync()])).resolves.toHaveLength(3);
    } finally {
      await sync.close();
      db.close();
    }
  });
});
