/**
 * Redis Stream adapter of the Log port. Each published entry is one stream record in
 * `${prefix}:log` with the fields `seq` and `e` (the entry as JSON), trimmed to about `maxLen`
 * records. Stream ids are only read positions; the order that counts is `seq`. `${prefix}:epoch`
 * holds a random value that subscribers remember: when it vanishes or changes, Redis lost its
 * data and consumers are told to re-read the store. Nothing here lives only in Redis.
 *
 * Each subscription owns one reader connection doing `XREAD BLOCK` from a concrete stream id. A
 * read that has not returned well after its block time is abandoned with its connection: ioredis
 * re-sends an in-flight blocking command after a reconnect and the promise can stay pending
 * forever (ioredis #610, #1285, #1888). A failing Redis is logged and retried with backoff.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../model/logger.js';
import type { Entry } from '../statemachine/entries.js';
import type { Log, LogHandlers, Subscription } from './log.js';

export interface RedisStreamLogDeps {
  /** Borrowed client for XADD and the short checks; never closed here. */
  readonly redis: Redis;
  /**
   * Makes the reader connection of one subscription, which owns and closes it. It must not have
   * a `commandTimeout` below the block time.
   */
  readonly createReader: () => Redis;
  readonly prefix: string;
  /** Approximate bound on the stream length (`XADD MAXLEN ~`). */
  readonly maxLen: number;
  /** Server-side block time of one read (default 1500 ms). */
  readonly blockMs?: number;
  /** Extra time a read may take before its connection is replaced (default 1000 ms). */
  readonly watchdogMarginMs?: number;
  /** Bound on each non-blocking command, including `publish` (default 2000 ms). */
  readonly commandTimeoutMs?: number;
  readonly logger?: Logger;
}

export interface RedisSubscription extends Subscription {
  /** Resolves once the reader has fixed its start position: entries published later are delivered. */
  readonly ready: Promise<void>;
}

export interface RedisStreamLog extends Log {
  /**
   * Reads from the end of the stream as of `ready` (entries published before it are the store's
   * job). Calls `onReset` and reads on from the new end when the epoch vanished or changed or the
   * stream disappeared or went backwards; calls `onReset` and reads on from where it was when the
   * reader connection was lost or replaced (records may have been trimmed meanwhile).
   */
  subscribe(handlers: LogHandlers): RedisSubscription;
  /** The highest `seq` among the newest stream records (0 for an empty or missing stream). */
  lastSeq(): Promise<number>;
}

/** Where a subscription reads, and what it last saw of the stream and the epoch. */
interface Cursor {
  epoch: string;
  position: string;
  entriesAdded: number | undefined;
  sawStream: boolean;
}

interface StreamInfo {
  readonly lastId: string;
  readonly entriesAdded: number | undefined;
}

type XReadReply = [key: string, items: [id: string, fields: string[]][]][] | null;

const COUNT = 500;
const TAIL = 10;
const MAX_BACKOFF_MS = 5000;
const TIMEOUT = Symbol('timeout');
const STOP = Symbol('stop');

export function createRedisStreamLog(deps: RedisStreamLogDeps): RedisStreamLog {
  const { redis, maxLen } = deps;
  const streamKey = `${deps.prefix}:log`;
  const epochKey = `${deps.prefix}:epoch`;
  const blockMs = deps.blockMs ?? 1500;
  const readLimitMs = blockMs + (deps.watchdogMarginMs ?? 1000);
  const commandTimeoutMs = deps.commandTimeoutMs ?? 2000;
  const logger = deps.logger;
  const subscriptions = new Set<RedisSubscription>();
  const bounded = async <T>(p: Promise<T>): Promise<T> => {
    const result = await settle(p, commandTimeoutMs);
    if (result === TIMEOUT) throw new Error(`Redis command did not complete in ${commandTimeoutMs} ms`);
    return result;
  };

  async function streamInfo(): Promise<StreamInfo | undefined> {
    try {
      const fields = toRecord(await bounded(redis.xinfo('STREAM', streamKey)));
      const added = fields['entries-added'];
      return {
        lastId: String(fields['last-generated-id']),
        entriesAdded: added === undefined ? undefined : Number(added),
      };
    } catch (err) {
      if (err instanceof Error && /no such key/i.test(err.message)) return undefined;
      throw err;
    }
  }

  /** Adopts the current epoch, creating one if Redis has none. */
  async function adoptEpoch(): Promise<string> {
    const candidate = randomUUID();
    const existing = await bounded(redis.set(epochKey, candidate, 'NX', 'GET'));
    return existing ?? candidate;
  }

  async function startCursor(): Promise<Cursor> {
    const epoch = await adoptEpoch();
    const info = await streamInfo();
    return { epoch, position: info?.lastId ?? '0-0', entriesAdded: info?.entriesAdded, sawStream: !!info };
  }

  /** Why the stream's history is no longer what the cursor read, if it is not. */
  async function lostHistory(cursor: Cursor): Promise<string | undefined> {
    const [epoch, info] = await Promise.all([bounded(redis.get(epochKey)), streamInfo()]);
    if (epoch !== cursor.epoch) return epoch === null ? 'epoch key missing' : 'epoch changed';
    if (!info) return cursor.sawStream ? 'stream disappeared' : undefined;
    if (compareIds(info.lastId, cursor.position) < 0) return 'stream last id went backwards';
    // `entries-added` (Redis 7+) only grows while the stream lives.
    if ((info.entriesAdded ?? Infinity) < (cursor.entriesAdded ?? 0))
      return 'stream entries-added went backwards';
    cursor.sawStream = true;
    cursor.entriesAdded = info.entriesAdded;
    return undefined;
  }

  function subscribe(handlers: LogHandlers): RedisSubscription {
    let closed = false;
    let stop!: () => void;
    const stopped = new Promise<typeof STOP>((resolve) => (stop = () => resolve(STOP)));
    let markReady!: () => void;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    let reader: Redis | undefined;
    let cursor: Cursor | undefined;
    /** The reader connection was lost or replaced: records may have been trimmed meanwhile. */
    let missed = false;
    let lastCheck = 0;

    const openReader = (): Redis => {
      const r = deps.createReader();
      let readies = r.status === 'ready' ? 1 : 0;
      r.on('ready', () => {
        if (++readies > 1) missed = true;
      });
      r.on('error', () => undefined); // surfaces as a failed or hung read, which is logged
      return r;
    };

    const dropReader = (): void => {
      if (!reader) return;
      reader.removeAllListeners('ready');
      reader.disconnect();
      reader = undefined;
    };

    const reset = (why: string): void => {
      try {
        handlers.onReset?.();
      } catch (err) {
        logger?.error({ err, stream: streamKey }, 'log reset handler failed');
      }
      logger?.warn({ stream: streamKey, why }, 'log subscription reset; consumers re-read the store');
    };

    const deliver = (reply: XReadReply, at: Cursor): void => {
      const entries: Entry[] = [];
      for (const [, items] of reply ?? []) {
        for (const [id, fields] of items) {
          at.position = id;
          at.sawStream = true;
          const json = fieldValue(fields, 'e');
          try {
            if (json !== undefined) entries.push(JSON.parse(json) as Entry);
          } catch (err) {
            logger?.error({ err, stream: streamKey, id }, 'unreadable log record skipped');
          }
        }
      }
      if (entries.length === 0) return;
      try {
        handlers.onEntries(entries);
      } catch (err) {
        logger?.error({ err, stream: streamKey }, 'log entries handler failed');
      }
    };

    const check = async (at: Cursor): Promise<Cursor> => {
      lastCheck = Date.now();
      const why = await lostHistory(at);
      if (why) {
        const fresh = await startCursor();
        missed = false;
        reset(why);
        return fresh;
      }
      if (missed) {
        missed = false;
        reset('reader connection was lost');
      }
      return at;
    };

    const loop = async (): Promise<void> => {
      let failures = 0;
      while (!closed) {
        try {
          if (!cursor) {
            cursor = await startCursor();
            markReady();
          }
          reader ??= openReader();
          const read = reader.xread('COUNT', COUNT, 'BLOCK', blockMs, 'STREAMS', streamKey, cursor.position);
          const reply = await settle(read as Promise<XReadReply>, readLimitMs, stopped);
          if (reply === STOP) break;
          if (reply === TIMEOUT) throw new Error(`stream read did not return in ${readLimitMs} ms`);
          deliver(reply, cursor);
          if (missed || Date.now() - lastCheck >= blockMs) cursor = await check(cursor);
          failures = 0;
        } catch (err) {
          if (closed) break;
          failures++;
          const delay =
            Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(failures - 1, 6)) * (0.5 + Math.random() / 2);
          logger?.warn(
            { err, stream: streamKey, failures, retryInMs: Math.round(delay) },
            'stream read failed; replacing the reader connection',
          );
          dropReader();
          missed = true;
          await Promise.race([sleep(delay), stopped]);
        }
      }
      dropReader();
    };

    const running = loop().catch((err: unknown) =>
      logger?.error({ err, stream: streamKey }, 'stream reader stopped'),
    );
    const subscription: RedisSubscription = {
      ready,
      close: async () => {
        if (closed) return;
        closed = true;
        subscriptions.delete(subscription);
        stop();
        markReady();
        dropReader();
        await running;
      },
    };
    subscriptions.add(subscription);
    return subscription;
  }

  return {
    async publish(entries: readonly Entry[]): Promise<void> {
      if (entries.length === 0) return;
      const pipeline = redis.pipeline();
      for (const entry of entries)
        pipeline.xadd(streamKey, 'MAXLEN', '~', maxLen, '*', 'seq', entry.seq, 'e', JSON.stringify(entry));
      const replies = await bounded(pipeline.exec());
      const failed = replies?.find(([err]) => err)?.[0];
      if (failed) throw failed;
    },
    subscribe,
    async lastSeq(): Promise<number> {
      const records = await bounded(redis.xrevrange(streamKey, '+', '-', 'COUNT', TAIL));
      return records.reduce(
        (max, [, fields]) => Math.max(max, Number(fieldValue(fields, 'seq') ?? 0) || 0),
        0,
      );
    },
    async close(): Promise<void> {
      await Promise.all([...subscriptions].map((s) => s.close()));
    },
  };
}

function fieldValue(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/** XINFO replies are flat `[name, value, …]` arrays. */
function toRecord(reply: unknown): Record<string, unknown> {
  const flat = Array.isArray(reply) ? (reply as unknown[]) : [];
  return Object.fromEntries(flat.flatMap((v, i) => (i % 2 === 0 ? [[String(v), flat[i + 1]]] : [])));
}

/** Orders stream ids `ms-n` numerically. */
export function compareIds(a: string, b: string): number {
  const [am = 0n, an = 0n] = a.split('-').map(BigInt);
  const [bm = 0n, bn = 0n] = b.split('-').map(BigInt);
  return am !== bm ? (am < bm ? -1 : 1) : an === bn ? 0 : an < bn ? -1 : 1;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Settles with the command, `TIMEOUT` after `ms`, or `STOP`. A command left behind is abandoned,
 * never awaited again: ioredis may keep it pending forever (see the header).
 */
function settle<T, S = never>(
  command: Promise<T>,
  ms: number,
  stopped?: Promise<S>,
): Promise<T | S | typeof TIMEOUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMEOUT>((resolve) => (timer = setTimeout(() => resolve(TIMEOUT), ms)));
  return Promise.race([command, timeout, ...(stopped ? [stopped] : [])]).finally(() => clearTimeout(timer));
}
