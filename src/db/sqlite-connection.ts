/**
 * The one place a SQLite connection is opened and configured (the ads store, the tracking store
 * and the spool all open theirs here): WAL journal, a busy timeout for other connections on the
 * same file, optionally an exclusive lock, and durability. An acknowledged write must survive
 * power loss, not only a process crash: either SQLite syncs the WAL inside every commit
 * (`synchronous=FULL`, the default), or the caller syncs it itself before acknowledging
 * (`syncOnCommit: false`, then `synchronous=NORMAL` and a `WalSync`): same guarantee, but the
 * sync runs on libuv's thread pool instead of blocking the event loop for the length of a disk
 * flush on every commit, and one sync serves every commit made before it started.
 */
import { mkdirSync } from 'node:fs';
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
 * Resolves once everything committed to the connection before the call is on disk: a flush
 * started after the call has completed. Calls resolve in the order they were made (a flush
 * covers every commit made before it started, so the end of a later flush settles the calls an
 * earlier one still holds). A failed flush fails every call it covers.
 */
export interface WalSync {
  (): Promise<void>;
  close(): Promise<void>;
}

export interface WalSyncOptions {
  /**
   * Flushes that may run at once on libuv's thread pool (default 1). With 1, calls made while a
   * flush runs share the next one, started when it ends: a call waits for the rest of that
   * flush and then its own. With more, a call made while flushes run starts one of its own at
   * once if fewer than this many run (calls made while all of them run share the next), so it
   * waits about one flush; the event loop never waits for any.
   */
  readonly parallel?: number;
}

/** The WAL file of a database in WAL mode: commits append to it, checkpoints copy it back. */
export const walFilename = (filename: string): string => `${filename}-wal`;

interface Waiter {
  readonly call: number;
  resolve(): void;
  reject(err: unknown): void;
}

export function createWalSync(filename: string, datasync?: Datasync, opts: WalSyncOptions = {}): WalSync {
  const parallel = Math.max(1, Math.floor(opts.parallel ?? 1));
  let handle: FileHandle | undefined;
  let opening: Promise<FileHandle | undefined> | undefined;
  const flush: Datasync =
    datasync ??
    (async () => {
      handle ??= await (opening ??= open(walFilename(filename), 'r+').then(
        (h) => h,
        (err: NodeJS.ErrnoException) => {
          opening = undefined;
          // No WAL file: nothing was committed since the last checkpoint removed it.
          if (err.code === 'ENOENT') return undefined;
          throw err;
        },
      ));
      await handle?.datasync();
    });
  /** Calls made so far: a call's number is its place in that order. */
  let calls = 0;
  /** Calls made before the latest flush started. */
  let covered = 0;
  let running = 0;
  const runs = new Set<Promise<void>>();
  /** Calls not yet settled, in order. */
  const waiting: Waiter[] = [];

  const settle = (upTo: number, err?: unknown): void => {
    while (waiting.length > 0 && waiting[0]!.call <= upTo) {
      const w = waiting.shift()!;
      if (err === undefined) w.resolve();
      else w.reject(err);
    }
  };
  const start = (): void => {
    const covers = (covered = calls);
    running++;
    const run = new Promise<void>((resolve) => resolve(flush()))
      .then(
        () => settle(covers),
        (err: unknown) => settle(covers, err),
      )
      .finally(() => {
        running--;
        runs.delete(run);
        if (covered < calls && running < parallel) start();
      });
    runs.add(run);
  };

  const sync = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ call: ++calls, resolve, reject });
      if (running < parallel) start();
    });
  return Object.assign(sync, {
    async close() {
      await Promise.all(runs);
      await handle?.close();
      handle = undefined;
      opening = undefined;
    },
  });
}
