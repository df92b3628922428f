/**
 * The ads node: the one owner of this process's ad replica. It holds the replica (state machine
 * + targeting index), its write path, expiry scheduling and snapshots, over whatever adapters
 * the composition root chose, and hands out only the `AdsService`. Nothing outside this folder
 * reads the replica's state.
 */
import type { Clock } from '../clock/clock.js';
import type { AdIndex } from '../index/ad-index.js';
import type { WriteLock } from '../lock/lock.js';
import type { Log } from '../log/log.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { AppError } from '../model/errors.js';
import type { AdsService } from '../service/ads-service.js';
import { createSnapshotPolicy, type SnapshotClaim } from '../snapshot/snapshot-policy.js';
import type { Limits } from '../statemachine/quota.js';
import type { State } from '../statemachine/state.js';
import { trackStoreHealth } from '../store/store-health.js';
import type { Store } from '../store/store.js';
import { Replica } from './replica.js';
import { createReplicaService } from './replica-service.js';
import { createExpiryJobs } from './expiry-jobs.js';
import { createWritePath } from './write-path.js';
import { createRepairLoop, type RepairLoop } from './repair.js';

/** Expiry jobs handed to the scheduler at once at start-up; `stop()` waits for one such batch. */
const SCHEDULE_BATCH = 5_000;

export interface AdsNodeDeps {
  readonly store: Store;
  readonly log: Log;
  readonly lock: WriteLock;
  readonly scheduler: Scheduler;
  /** The store's clock as this process reads it: the time of every read (statuses, the public query). */
  readonly clock: Clock;
  /** False while `clock` could not be checked against the store for long (default: always true). */
  readonly clockSynced?: (() => boolean) | undefined;
  readonly createIndex: () => AdIndex;
  readonly limits: Limits;
  /** Write a snapshot after every this many entries (0 = only on shutdown). */
  readonly snapshotEvery: number;
  readonly snapshotKeep: number;
  /** Which replica takes the snapshot due at a `seq` (one at a time); absent: this one. */
  readonly snapshotClaim?: SnapshotClaim | undefined;
  /** How often the replica reads the store for entries the log did not bring (0 = never). */
  readonly pollIntervalMs?: number | undefined;
  /**
   * The highest `seq` the log transport holds, where it can miss committed entries (a writer
   * that died between its commit and its publish): the node then runs the repair loop every
   * `pollIntervalMs` once recovered, publishing what is missing.
   */
  readonly lastPublishedSeq?: (() => Promise<number>) | undefined;
  /** Pause between write batches while more wait, so other processes get the write lock. */
  readonly batchPauseMs?: number | undefined;
  readonly onError?: (err: unknown, what: string) => void;
  /** Test hook: called at named points of a write (`after-commit`), for crash tests. */
  readonly failpoint?: ((name: string) => void) | undefined;
  /** Awaited before a write is answered, after this replica applied it (see `src/cluster/`). */
  readonly afterApplied?: ((seq: number) => Promise<void>) | undefined;
  readonly newId?: (() => string) | undefined;
  /** Told once when the store becomes unreachable (with the error) and once when it is back. */
  readonly onStoreAvailability?: ((available: boolean, err?: unknown) => void) | undefined;
}

export interface AdsNode {
  /** What callers ask: reads from memory, writes through the write path. */
  readonly service: AdsService;
  /** Recovers (snapshot + log); resolves once ready to serve. Expiry jobs are (re)scheduled in the background. */
  start(): Promise<void>;
  /** Stops following the log and firing expiries, then snapshots the state. */
  stop(): Promise<void>;
  /** Resolves once this replica applied `seq` (sibling workers wait on each other's writes). */
  waitFor(seq: number): Promise<void>;
}

export function createAdsNode(deps: AdsNodeDeps): AdsNode {
  const store = trackStoreHealth(deps.store, (up, err) => deps.onStoreAvailability?.(up, err));
  const report = (what: string) => (err: unknown) => {
    // An unreachable store is reported once per outage (onStoreAvailability), not per failure.
    if (err instanceof AppError && err.code === 'store_unavailable') return;
    deps.onError?.(err, what);
  };
  let scheduling: Promise<void> | undefined;
  let repair: RepairLoop | undefined;
  /** Recovered: entries applied from now on are new to this process (not replayed at start-up). */
  let recovered = false;
  let stopped = false;

  const snapshots = createSnapshotPolicy({
    store,
    every: deps.snapshotEvery,
    keep: deps.snapshotKeep,
    claim: deps.snapshotClaim,
    onError: report('snapshot'),
  });
  const expiryJobs = createExpiryJobs(deps.scheduler, report('schedule'));
  const scheduleAll = async (state: State): Promise<void> => {
    const jobs = Array.from(state.ads.values(), (ad) => ({ id: ad.id, version: ad.version, at: ad.endAt }));
    for (let i = 0; i < jobs.length && !stopped; i += SCHEDULE_BATCH) {
      await deps.scheduler.scheduleMany(jobs.slice(i, i + SCHEDULE_BATCH));
    }
  };

  const replica = new Replica({
    store,
    log: deps.log,
    createIndex: deps.createIndex,
    loadSnapshot: (index) => snapshots.load(index),
    onApplied: (entry, state) => {
      if (!recovered) return;
      expiryJobs.applied(entry);
      snapshots.afterApplied(entry.seq, () => state);
    },
    pollIntervalMs: deps.pollIntervalMs,
    onError: report('replica'),
    // Redis lost its data: the expiry jobs went with it.
    onReset: (state) => void scheduleAll(state).catch(report('schedule')),
  });

  const execute = createWritePath({
    store,
    log: deps.log,
    lock: deps.lock,
    replica,
    limits: deps.limits,
    onPublishError: report('publish'),
    failpoint: deps.failpoint,
    onCommitted: (entries) => expiryJobs.committed(entries),
    afterApplied: deps.afterApplied,
    batchPauseMs: deps.batchPauseMs,
  });

  const service = createReplicaService({
    replica,
    store,
    clock: deps.clock,
    execute,
    newId: deps.newId,
    storeAvailable: store.available,
    clockSynced: deps.clockSynced,
  });

  return {
    service,
    async start(): Promise<void> {
      await replica.recover();
      recovered = true;
      deps.scheduler.start((id, version) => service.expire(id, version));
      scheduling = scheduleAll(replica.state).catch(report('schedule'));
      if (deps.lastPublishedSeq && !stopped) {
        repair = createRepairLoop({
          store,
          log: deps.log,
          intervalMs: deps.pollIntervalMs ?? 0,
          lastPublishedSeq: deps.lastPublishedSeq,
          lock: deps.lock,
          onError: report('repair'),
        });
      }
    },
    async stop(): Promise<void> {
      stopped = true;
      expiryJobs.stop();
      const repaired = repair?.stop();
      // Nothing of a shutdown (writes in flight, a firing expiry) waits on the write lock's lease.
      await deps.lock.close();
      await repaired;
      await scheduling;
      await replica.close();
      await deps.scheduler.close();
      if (replica.ready) await snapshots.take(() => replica.state);
    },
    waitFor: (seq) => replica.waitFor(seq),
  };
}
