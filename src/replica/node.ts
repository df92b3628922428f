import type { Clock } from '../clock/clock.js';
import type { AdIndex } from '../index/ad-index.js';
import type { WriteLock } from '../lock/lock.js';
import type { Log } from '../log/log.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { Store } from '../store/store.js';
import { encodeState } from '../snapshot/codec.js';
import type { Entry } from '../statemachine/entries.js';
import type { Limits } from '../statemachine/quota.js';
import { createReplicaService } from '../service/replica-service.js';
import { createWritePath } from '../service/write-path.js';
import { Replica } from './replica.js';

/** Expiry jobs handed to the scheduler at once at start-up; `stop()` waits for one such batch. */
const SCHEDULE_BATCH = 5_000;

export interface NodeDeps {
  readonly store: Store;
  readonly log: Log;
  readonly lock: WriteLock;
  readonly scheduler: Scheduler;
  readonly clock: Clock;
  readonly createIndex: () => AdIndex;
  readonly limits: Limits;
  /** Write a snapshot after every this many entries (0 = only on shutdown). */
  readonly snapshotEvery: number;
  readonly snapshotKeep: number;
  /** Decides whether this replica takes the snapshot due now (one replica at a time). */
  readonly mayTakeSnapshot?: (seq: number) => Promise<boolean>;
  readonly pollIntervalMs?: number;
  readonly onError?: (err: unknown, what: string) => void;
  readonly failpoint?: (name: string) => void;
  /** Awaited before a write is answered, after this replica applied it (see `src/cluster/`). */
  readonly afterApplied?: (seq: number) => Promise<void>;
  readonly newId?: () => string;
}

/**
 * One replica, wired: state machine + write path + expiry scheduling + snapshots, over whatever
 * adapters the composition root chose. `start()` recovers; `stop()` snapshots and closes.
 */
export function createNode(deps: NodeDeps) {
  const report = (what: string) => (err: unknown) => deps.onError?.(err, what);
  let snapshotting: Promise<void> | undefined;
  let scheduling: Promise<void> | undefined;
  let stopped = false;

  const takeSnapshot = (): Promise<void> => {
    snapshotting ??= (async () => {
      const seq = replica.state.seq;
      if (seq === 0) return;
      const latest = await deps.store.latestSnapshot();
      if (latest && latest.seq >= seq) return;
      await deps.store.saveSnapshot({ seq, data: encodeState(replica.state) }, deps.snapshotKeep);
    })()
      .catch(report('snapshot'))
      .finally(() => {
        snapshotting = undefined;
      });
    return snapshotting;
  };

  const onApplied = (entry: Entry): void => {
    if (!replica.ready) return;
    if (entry.type === 'create' || entry.type === 'update') {
      deps.scheduler.schedule(entry.ad.id, entry.ad.version, entry.ad.endAt).catch(report('schedule'));
    } else if (entry.type === 'delete') {
      deps.scheduler.cancel(entry.id).catch(report('schedule'));
    }
    if (deps.snapshotEvery > 0 && entry.seq % deps.snapshotEvery === 0) {
      void (async () => {
        if (!deps.mayTakeSnapshot || (await deps.mayTakeSnapshot(entry.seq))) await takeSnapshot();
      })().catch(report('snapshot'));
    }
  };

  const scheduleAll = async (): Promise<void> => {
    const jobs = Array.from(replica.state.ads.values(), (ad) => ({ id: ad.id, version: ad.version, at: ad.endAt }));
    for (let i = 0; i < jobs.length && !stopped; i += SCHEDULE_BATCH) {
      await deps.scheduler.scheduleMany(jobs.slice(i, i + SCHEDULE_BATCH));
    }
  };

  const replica: Replica = new Replica({
    store: deps.store,
    log: deps.log,
    createIndex: deps.createIndex,
    onApplied,
    pollIntervalMs: deps.pollIntervalMs,
    onError: report('replica'),
    // Redis lost its data: the expiry jobs went with it.
    onReset: () => void scheduleAll().catch(report('schedule')),
  });

  const execute = createWritePath({
    store: deps.store,
    log: deps.log,
    lock: deps.lock,
    clock: deps.clock,
    replica,
    limits: deps.limits,
    onPublishError: report('publish'),
    failpoint: deps.failpoint,
    afterApplied: deps.afterApplied,
  });

  const service = createReplicaService({
    replica,
    store: deps.store,
    clock: deps.clock,
    execute,
    newId: deps.newId,
  });

  return {
    replica,
    service,
    takeSnapshot,
    /** Resolves once recovered (ready to serve); expiry jobs are (re)scheduled in the background. */
    async start(): Promise<void> {
      await replica.recover();
      deps.scheduler.start((id, version) => service.expire(id, version));
      scheduling = scheduleAll().catch(report('schedule'));
    },
    async stop(): Promise<void> {
      stopped = true;
      await scheduling;
      await replica.close();
      await deps.scheduler.close();
      if (replica.ready) await takeSnapshot();
    },
  };
}

export type AdsmNode = ReturnType<typeof createNode>;
