/**
 * The one place a SQLite connection is opened and configured (the ads store, the tracking store
 * and the spool all open theirs here): WAL journal, a busy timeout for other connections on the
 * same file, optionally an exclusive lock, and durability. An acknowledged write must survive
 * power loss, not only a process crash: either SQLite syncs the WAL inside every commit
 * (`synchronous=FULL`, the default), or the caller syncs it itself before acknowledging
 * (`syncOnCommit: false`, then `synchronous=NORMAL` and a `WalSync`): same guarantee, but the
 * sync runs on libuv's thread pool instead of blocking the event loop for the length of a disk
 * flush on every commit.
 */
import { closeSync, fdatasyncSync, mkdirSync, openSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

export interface SqliteOpenOptions {
  /**
   * Hold the file's lock for the connection's lifetime, so a second process cannot open it
   * (opening then throws, naming the file and `setting`, the variable that chose it).
   */
  readonly exclusive?: boolean;
  /** The setting that chose the file, named when it is held by another process (`DATA_DIR`). */
  readonly setting?: string;
  /**
   * false: commits do not sync (`synchronous=NORMAL`; checkpoints still do); the caller must
   * await a `WalSync` after committing and before acknowledging. Default true (`FULL`).
   */
  readonly syncOnCommit?: boolean;
  /**
   * The most its page cache may hold, in KiB (SQLite's default as built here is 16,000 per
   * connection). Pages a large transaction changes past it are written to the WAL early.
   */
  readonly cacheKiB?: number;
}

export function openSqlite(filename: string, opts: SqliteOpenOptions = {}): BetterSqlite3.Database {
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
  const db = new BetterSqlite3(filename);
  if (opts.exclusive) takeExclusiveLock(db, filename, opts.setting ?? 'DATA_DIR');
  db.pragma('journal_mode = WAL');
  db.pragma(opts.syncOnCommit === false ? 'synchronous = NORMAL' : 'synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  if (opts.cacheKiB !== undefined) db.pragma(`cache_size = -${Math.max(1, Math.floor(opts.cacheKiB))}`);
  return db;
}

/**
 * One process owns the file (an embedded data directory: its in-process log cannot tell another
 * process about writes; a spool: its id is one replica's identity). EXCLUSIVE locking mode keeps
 * the lock taken by the first write until close.
 */
function takeExclusiveLock(db: BetterSqlite3.Database, filename: string, setting: string): void {
  try {
    db.pragma('busy_timeout = 200');
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.exec('BEGIN IMMEDIATE; COMMIT');
  } catch (err) {
    db.close();
    throw new Error(`${filename} is in use by another adsm process (one process per ${setting})`, {
      cause: err,
    });
  }
}

/** Flushes a file's data to disk (`fdatasync`); the default opens the file once and keeps it. */
export type Datasync = () => Promise<void>;

/**
 * Resolves once everything committed to the connection before the call is on disk. Calls made
 * while a flush runs share the next one (a flush started earlier may miss their commit), so a
 * busy writer pays one flush per group of commits, never one per commit.
 */
export interface WalSync {
  (): Promise<void>;
  close(): Promise<void>;
}

/** The WAL file of a database in WAL mode: commits append to it, checkpoints copy it back. */
export const walFilename = (filename: string): string => `${filename}-wal`;

/**
 * Flushing on the event loop: while flushes are fast, a sync that no running flush holds up
 * flushes at once, synchronously, instead of on the thread pool. On a machine whose cores are
 * busy, a flush on the pool costs two waits for a core (to the pool thread and back), each
 * longer than a fast flush itself; group commit keeps it to one flush per group. When the
 * flushes' moving average (the last ~10) passes `slowMs`, the syncs of the next second go to
 * the pool, then one inline flush tries again: a slow disk stalls the event loop about once a
 * second, and a rare slow flush among fast ones does not send them all to the pool.
 */
export interface InlineFlush {
  /** The moving average of inline flushes (ms) past which syncs go to the pool for a second. */
  readonly slowMs: number;
  /** The synchronous flush (default: `fdatasync` of the WAL file, opened once and kept). */
  readonly flush?: () => void;
}

const POOL_AFTER_SLOW_MS = 1_000;

export function createWalSync(filename: string, datasync?: Datasync, inline?: InlineFlush): WalSync {
  let handle: FileHandle | undefined;
  let fd: number | undefined;
  const flushNow =
    inline?.flush ??
    (() => {
      try {
        fd ??= openSync(walFilename(filename), 'r+');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      fdatasyncSync(fd);
    });
  let poolUntil = 0;
  let averageMs = 0;
  const flush: Datasync =
    datasync ??
    (async () => {
      try {
        handle ??= await open(walFilename(filename), 'r+');
      } catch (err) {
        // No WAL file: nothing was committed since the last checkpoint removed it.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      await handle.datasync();
    });
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  const start = (): Promise<void> =>
    (running = flush().finally(() => {
      running = undefined;
    }));
  const sync = (): Promise<void> => {
    if (inline && running === undefined && Date.now() >= poolUntil) {
      const started = performance.now();
      try {
        flushNow();
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
      averageMs += (performance.now() - started - averageMs) / 10;
      if (averageMs > inline.slowMs) {
        poolUntil = Date.now() + POOL_AFTER_SLOW_MS;
        // At the bar: the flush that tries again decides, one slow one goes back to the pool.
        averageMs = inline.slowMs;
      }
      return Promise.resolve();
    }
    if (running === undefined) return start();
    next ??= running.then(
      () => {
        next = undefined;
        return sync();
      },
      () => {
        next = undefined;
        return sync();
      },
    );
    return next;
  };
  return Object.assign(sync, {
    async close() {
      await running?.catch(() => undefined);
      await handle?.close();
      handle = undefined;
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  });
}
