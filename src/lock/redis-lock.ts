/**
 * Redis adapter of the WriteLock port: one key holding the current holder's random token with a
 * lease (`SET key token NX PX ttl`), renewed while the holder runs and deleted by it afterwards,
 * both by compare-and-set Lua scripts so that nobody touches a lock it no longer holds. The lock
 * only keeps appends in `seq` order most of the time; when it cannot be had in time, or Redis is
 * unreachable, the write runs without it (the store's `seq` is the fence, not this lock).
 * The token starts with the holder's connection id (`CLIENT ID`): a waiter that finds that
 * connection gone frees the lock at once instead of waiting out the lease of a dead holder.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../model/logger.js';
import type { WriteLock } from './lock.js';
import { EXTEND_LUA, RELEASE_LUA } from './lua-scripts.js';

export interface RedisLockDeps {
  /** Borrowed client for the lock's short commands; never closed here. */
  readonly redis: Redis;
  readonly key: string;
  /** Lease of one acquisition; renewed every `ttlMs / 3` while `fn` runs. */
  readonly ttlMs: number;
  /** How long `run` tries to acquire before running `fn` anyway (default `ttlMs`). */
  readonly waitMs?: number;
  /** Bound on each Redis command, so that a hung connection cannot stall writes (default 1000). */
  readonly commandTimeoutMs?: number;
  /** While waiting, how often to check that the holder's connection is still open (default 100). */
  readonly livenessCheckMs?: number;
  readonly logger?: Logger;
}

type Acquired = 'held' | 'busy' | 'down' | 'closed';

export function createRedisLock(deps: RedisLockDeps): WriteLock {
  const { redis, key, ttlMs } = deps;
  const waitMs = deps.waitMs ?? ttlMs;
  const commandTimeoutMs = deps.commandTimeoutMs ?? 1000;
  const livenessCheckMs = deps.livenessCheckMs ?? 100;
  const warn = (obj: object, msg: string) => deps.logger?.warn({ lock: key, ...obj }, msg);
  const renewals = new Set<NodeJS.Timeout>();
  /** Once closed (shutting down), nobody waits for the lock any more: writes go on without it. */
  let closed = false;

  const release = async (token: string): Promise<void> => {
    try {
      await within(redis.eval(RELEASE_LUA, 1, key, token), commandTimeoutMs);
    } catch (err) {
      warn({ err }, 'write lock release failed; the lease will expire');
    }
  };

  /** This client's connection id, tagged onto the token so waiters can see whether we are alive. */
  let clientId: Promise<string> | undefined;
  redis.on('ready', () => {
    clientId = undefined;
  });
  const ownId = (): Promise<string> => {
    clientId ??= within(redis.client('ID'), commandTimeoutMs).then(String);
    clientId.catch(() => {
      clientId = undefined;
    });
    return clientId;
  };

  /**
   * Frees the lock if its holder's Redis connection is gone (a process killed while holding it
   * closes its sockets at once), instead of waiting out the lease. Compare-and-delete, so a lock
   * taken meanwhile by a live holder is never touched.
   */
  async function clearDeadHolder(): Promise<void> {
    const held = await within(redis.get(key), commandTimeoutMs);
    const holder = held?.split(':')[0];
    if (!held || !holder || !/^\d+$/.test(holder)) return;
    const clients = await within(redis.client('LIST', 'ID', holder), commandTimeoutMs);
    if (String(clients).trim() !== '') return;
    if ((await within(redis.eval(RELEASE_LUA, 1, key, held), commandTimeoutMs)) === 1) {
      warn({ holder }, 'write lock holder disconnected; lock freed without waiting for its lease');
    }
  }

  async function acquire(token: string): Promise<Acquired> {
    const deadline = Date.now() + waitMs;
    let nextLivenessCheck = Date.now() + livenessCheckMs;
    for (;;) {
      if (closed) return 'closed';
      const attempt = redis.set(key, token, 'PX', ttlMs, 'NX');
      try {
        if ((await within(attempt, commandTimeoutMs)) === 'OK') return 'held';
      } catch (err) {
        // A late success would block other writers until the lease ends: give it back.
        attempt.then((reply) => (reply === 'OK' ? release(token) : undefined)).catch(() => undefined);
        warn({ err }, 'write lock unavailable (Redis unreachable); writing without it');
        return 'down';
      }
      const left = deadline - Date.now();
      if (left <= 0) return 'busy';
      if (Date.now() >= nextLivenessCheck) {
        nextLivenessCheck = Date.now() + livenessCheckMs;
        await clearDeadHolder().catch((err: unknown) => warn({ err }, 'write lock holder check failed'));
        continue;
      }
      // Short polls: a holder with more work pauses a few ms between batches (write-path.ts).
      await sleep(Math.min(left, 1 + Math.random() * 3));
    }
  }

  /** Renews the lease every third of it until stopped or the lock turns out to be lost. */
  function keepAlive(token: string): () => void {
    let busy = false;
    const timer = setInterval(
      () => {
        if (busy) return;
        busy = true;
        within(redis.eval(EXTEND_LUA, 1, key, token, ttlMs), commandTimeoutMs)
          .then((renewed) => {
            if (renewed !== 1) {
              warn({}, 'write lock lease lost while writing; order is best-effort until it ends');
              stop();
            }
          })
          .catch((err: unknown) => warn({ err }, 'write lock lease renewal failed'))
          .finally(() => {
            busy = false;
          });
      },
      Math.max(1, Math.floor(ttlMs / 3)),
    );
    renewals.add(timer);
    const stop = () => {
      clearInterval(timer);
      renewals.delete(timer);
    };
    return stop;
  }

  return {
    async run<T>(fn: () => Promise<T>): Promise<T> {
      const token = `${await ownId().catch(() => 'unknown')}:${randomUUID()}`;
      const acquired = await acquire(token);
      if (acquired !== 'held') {
        if (acquired === 'busy') warn({ waitMs }, 'write lock not acquired in time; writing without it');
        return fn();
      }
      const stop = keepAlive(token);
      try {
        return await fn();
      } finally {
        stop();
        await release(token);
      }
    },
    close(): Promise<void> {
      closed = true;
      for (const timer of renewals) clearInterval(timer);
      renewals.clear();
      return Promise.resolve();
    },
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Rejects if `promise` has not settled within `ms`; the command itself may still complete. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis command did not complete in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
