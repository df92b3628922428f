/**
 * Expiry jobs in a BullMQ queue shared by every replica (replicated mode).
 *
 * What lives where in Redis, all under `${prefix}:${queueName}:` (BullMQ's own layout):
 * - `<jobId>`: one hash per job, `jobId = encodeURIComponent(adId) + "@" + version` (ids may not
 *   contain `:` nor look like integers; the encoding rules out both), data `{ id, version, at }`.
 * - `delayed` (due time), `wait`, `active`: jobs not yet done. Every replica adds the same job id
 *   for the same ad version; BullMQ ignores an add while that id exists, so replicas dedupe.
 * - `completed`: done jobs, kept for an hour (at most 10,000). While a job id is kept, a late
 *   `schedule` of the same version from a lagging replica is ignored instead of firing again.
 *   Nothing is lost by keeping it: once `onDue` succeeded the expiry is in the log.
 * - Failed jobs (retries exhausted) are removed at once, so the next `schedule` of that version
 *   (any replica's restart re-schedules every live ad) creates the job again.
 * - `events` (stream, capped), `meta`, `marker`, `id`, `stalled*`: BullMQ bookkeeping.
 * After a FLUSHDB or a Redis restart without persistence all of this is gone; a later `schedule`
 * of the same version simply adds the job again.
 *
 * Memory: the last version scheduled by this process per ad id (to remove superseded or
 * cancelled jobs), pruned once its time has passed.
 */
import { DelayedError, Queue, WaitingError, Worker, type BackoffStrategy, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Clock } from '../clock/clock.js';
import { silentLogger, type Logger } from '../model/logger.js';
import type { ExpiryJob, OnDue, Scheduler } from './scheduler.js';

export interface BullmqSchedulerDeps {
  /** A borrowed ioredis client made with `maxRetriesPerRequest: null`; never closed here. */
  readonly connection: Redis;
  /** Key prefix of every key the queue uses. */
  readonly prefix: string;
  readonly queueName?: string;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** First retry delay after `onDue` throws; doubles per attempt up to a minute. */
  readonly retryDelayMs?: number;
}

interface ExpiryData {
  readonly id: string;
  readonly version: number;
  readonly at: number;
}

const JOB_NAME = 'expire';
/** ~1.6 h of retries with the default delay; then the job fails and is logged. */
const ATTEMPTS = 100;
const MAX_RETRY_DELAY_MS = 60_000;
const KEEP_COMPLETED = { age: 3600, count: 10_000 };
const CONCURRENCY = 8;
/**
 * Longest wait a worker holds an early job for (see `processor`): BullMQ hands a job early by as
 * much as a worker's host clock runs ahead of the store's.
 */
const MAX_HOLD_MS = 60_000;
/** Jobs per round trip of `scheduleMany`. */
const BATCH = 1000;

export const expiryJobId = (id: string, version: number): string => `${encodeURIComponent(id)}@${version}`;

export function createBullmqScheduler(deps: BullmqSchedulerDeps): Scheduler {
  const { connection, prefix, clock } = deps;
  const queueName = deps.queueName ?? 'adsm-expiry';
  const logger = deps.logger ?? silentLogger;
  const retryDelayMs = deps.retryDelayMs ?? 1000;
  if (connection.options.maxRetriesPerRequest !== null) {
    // The worker's blocking connection is a duplicate of this client; BullMQ rejects it otherwise.
    throw new Error('the Redis client for the BullMQ scheduler needs maxRetriesPerRequest: null');
  }

  const queue = new Queue<ExpiryData>(queueName, {
    connection,
    prefix,
    streams: { events: { maxLen: 1000 } },
  });
  queue.on('error', (err) => logger.error({ err, queue: queueName }, 'expiry queue error'));
  let worker: Worker<ExpiryData> | undefined;
  let closing: Promise<void> | undefined;

  const latest = new Map<string, { version: number; at: number }>();
  let pruneAt = 1024;
  const prune = (): void => {
    if (latest.size < pruneAt) return;
    const now = clock.now();
    for (const [id, job] of latest) if (job.at < now) latest.delete(id);
    pruneAt = Math.max(1024, latest.size * 2);
  };

  /** Calls for one ad id run one after another, so an add and the removal it causes never race. */
  const chains = new Map<string, Promise<void>>();
  const serially = (ids: readonly string[], task: () => Promise<void>): Promise<void> => {
    const before = ids.flatMap((id) => chains.get(id) ?? []);
    const run = (before.length === 0 ? Promise.resolve() : Promise.all(before)).then(task);
    const settled = run.catch(() => undefined);
    for (const id of ids) chains.set(id, settled);
    void settled.then(() => {
      for (const id of ids) if (chains.get(id) === settled) chains.delete(id);
    });
    return run;
  };

  /**
   * BullMQ files a delayed job at `timestamp + delay`. Both are given in the store's clock, so
   * the due time it holds is `endAt` itself, whichever replica added the job.
   */
  const jobOptions = (id: string, version: number, at: number) => {
    const now = clock.now();
    return {
      jobId: expiryJobId(id, version),
      timestamp: now,
      delay: Math.max(0, at - now),
      attempts: ATTEMPTS,
      backoff: { type: 'expiry' },
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: true,
    };
  };

  /**
   * One batch of `scheduleMany`: one pipelined EXISTS per job hash (the check BullMQ's own add
   * makes), then one bulk add of the jobs Redis does not hold.
   */
  const addMissing = async (batch: readonly ExpiryJob[]): Promise<void> => {
    const superseded = (job: ExpiryJob) => (latest.get(job.id)?.version ?? 0) > job.version;
    await serially(
      batch.map((job) => job.id),
      async () => {
        const wanted = batch.filter((job) => !superseded(job));
        if (wanted.length === 0) return;
        const pipeline = connection.pipeline();
        for (const job of wanted) pipeline.exists(queue.toKey(expiryJobId(job.id, job.version)));
        const replies = (await pipeline.exec()) ?? [];
        const missing = wanted.filter((_, i) => replies[i]?.[1] !== 1);
        if (missing.length > 0) {
          await queue.addBulk(
            missing.map(({ id, version, at }) => ({
              name: JOB_NAME,
              data: { id, version, at },
              opts: jobOptions(id, version, at),
            })),
          );
        }
        for (const { id, version, at } of wanted) {
          const known = latest.get(id);
          latest.set(id, { version, at });
          if (known && known.version < version) await removeSuperseded(id, known.version);
        }
        prune();
      },
    );
  };

  const removeSuperseded = async (id: string, version: number): Promise<void> => {
    try {
      await queue.remove(expiryJobId(id, version));
    } catch (err) {
      logger.warn({ err, id, version }, 'could not remove a superseded expiry job');
    }
  };

  const backoffStrategy: BackoffStrategy = (attemptsMade) =>
    Math.min(retryDelayMs * 2 ** Math.max(attemptsMade - 1, 0), MAX_RETRY_DELAY_MS);

  /** Waits in progress, woken (resolving false) when the scheduler closes. */
  const holds = new Set<() => void>();
  const hold = (ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        holds.delete(wake);
        resolve(false);
      };
      const timer = setTimeout(() => {
        holds.delete(wake);
        resolve(true);
      }, ms);
      holds.add(wake);
    });

  /**
   * Every wait is measured in the due time's own clock, the store's (`clock`), and waited on a
   * timer. BullMQ hands a delayed job to whichever worker's own wall clock passes its due time
   * first, so a worker whose host clock runs ahead gets it early: the job is then held here
   * until the store's clock reaches `endAt` (never handed back with a delay that another
   * worker's clock would read differently). An expire that the store still finds early (the
   * offset to its clock is a few ms off) is held for what the store says and asked again.
   */
  const processor =
    (onDue: OnDue) =>
    async (job: Job<ExpiryData>, token?: string): Promise<void> => {
      const { id, version, at } = job.data;
      let wait = at - clock.now();
      for (;;) {
        while (wait > 0) {
          if (wait > MAX_HOLD_MS) {
            // Only a host clock far ahead of the store's gets a job this early: back to the
            // delayed set, at a time BullMQ reads with this worker's wall clock.
            await job.moveToDelayed(Date.now() + wait, token);
            throw new DelayedError();
          }
          if (closing || !(await hold(wait))) {
            // Closing: another worker takes it (and holds it until due).
            await job.moveToWait(token);
            throw new WaitingError();
          }
          // A timer may wake a millisecond before the clock it was computed from says so.
          wait = at - clock.now();
        }
        const dueInMs = await onDue(id, version);
        if (typeof dueInMs !== 'number' || dueInMs <= 0) return;
        wait = dueInMs;
      }
    };

  return {
    schedule(id, version, at) {
      return serially([id], async () => {
        const known = latest.get(id);
        if (known && known.version > version) return;
        latest.set(id, { version, at });
        await queue.add(JOB_NAME, { id, version, at }, jobOptions(id, version, at));
        // Another replica may have scheduled the previous version; a first version has none.
        if (version > 1) await removeSuperseded(id, version - 1);
        if (known && known.version < version - 1) await removeSuperseded(id, known.version);
        prune();
      });
    },

    async scheduleMany(jobs) {
      // The newest version per id, in batches, one batch at a time.
      const newest = new Map<string, ExpiryJob>();
      for (const job of jobs) if ((newest.get(job.id)?.version ?? 0) < job.version) newest.set(job.id, job);
      const all = [...newest.values()];
      for (let i = 0; i < all.length; i += BATCH) await addMissing(all.slice(i, i + BATCH));
    },

    cancel(id) {
      return serially([id], async () => {
        const known = latest.get(id);
        latest.delete(id);
        if (known) await queue.remove(expiryJobId(id, known.version));
      });
    },

    start(onDue) {
      if (worker) throw new Error('scheduler already started');
      worker = new Worker<ExpiryData>(queueName, processor(onDue), {
        connection,
        prefix,
        concurrency: CONCURRENCY,
        settings: { backoffStrategy },
      });
      worker.on('error', (err) => logger.error({ err, queue: queueName }, 'expiry worker error'));
      worker.on('failed', (job, err) => {
        if (!job) return;
        const { id, version } = job.data;
        const context = { err, id, version, attempts: job.attemptsMade };
        if (job.attemptsMade >= ATTEMPTS) logger.error(context, 'expiry failed for good');
        else logger.warn(context, 'expiry failed; will retry');
      });
    },

    close() {
      closing ??= (async () => {
        for (const wake of [...holds]) wake();
        await worker?.close();
        await queue.close();
      })();
      return closing;
    },
  };
}
