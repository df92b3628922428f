import type { WriteLock } from '../lock/lock.js';
import type { Log } from '../log/log.js';
import { invariantFailed } from '../model/errors.js';
import type { Store } from '../store/store.js';
import type { Command, Decision } from '../statemachine/decide.js';
import { decideBatch, type Outcome } from '../statemachine/decide-batch.js';
import type { Entry } from '../statemachine/entries.js';
import type { Limits } from '../statemachine/quota.js';
import type { Replica } from './replica.js';

/** Most commands decided and committed in one transaction. */
const MAX_BATCH = 256;

export interface WritePathDeps {
  readonly store: Store;
  readonly log: Log;
  readonly lock: WriteLock;
  readonly replica: Replica;
  readonly limits: Limits;
  readonly onPublishError?: ((err: unknown, entries: readonly Entry[]) => void) | undefined;
  /** Awaited after this replica applied a write and before it is answered (sibling workers). */
  readonly afterApplied?: ((seq: number) => Promise<void>) | undefined;
  /** Called with the entries of each committed batch, before they are published or applied. */
  readonly onCommitted?: ((entries: readonly Entry[]) => void) | undefined;
  /** Test hook: called at named points of a write (`after-commit`), for crash tests. */
  readonly failpoint?: ((name: string) => void) | undefined;
  /**
   * Pause between two batches while more commands wait, so that other processes polling for the
   * write lock get their turn (replicated mode); 0 = none.
   */
  readonly batchPauseMs?: number | undefined;
}

interface Waiting {
  readonly command: Command;
  readonly settle: (outcome: Outcome) => void;
}

/**
 * The one way to change state, as a group commit. Commands queue up; while this process holds
 * the write lock, one store transaction catches the local state machine up to the store's head,
 * decides the queued commands one after another against the state as it will be after the
 * earlier ones (so quotas, If-Match and idempotency are decided on the same state by every
 * replica, and stay exact within the batch), and commits all their entries with consecutive
 * `seq`s. Only then are the entries handed to the log and applied locally (read-your-writes),
 * and each command answered. A failed transaction changes nothing in memory: decisions are taken
 * on a copy-on-write draft, never on the state readers see.
 *
 * The lock is let go as soon as the entries are handed to the log, not once the log confirmed
 * them (with the Redis lock, lock and stream share one connection, which runs commands in the
 * order sent, so the next holder's entries still reach the stream after these). The batch's
 * commands are answered once the log confirmed (or failed), while the next batch is written.
 */
export function createWritePath(deps: WritePathDeps) {
  const { store, log, lock, replica, limits } = deps;
  const queue: Waiting[] = [];
  let draining = false;

  return async function execute(command: Command): Promise<Decision> {
    const outcome = await new Promise<Outcome>((settle) => {
      queue.push({ command, settle });
      if (!draining) void drain();
    });
    if ('error' in outcome) throw outcome.error;
    if (outcome.seq !== undefined) await deps.afterApplied?.(outcome.seq);
    return outcome.decision;
  };

  async function drain(): Promise<void> {
    draining = true;
    try {
      while (queue.length > 0) {
        let finish: (() => Promise<void>) | undefined;
        // commitBatch never rejects; a lock that failed before running it leaves the queue as it was.
        await lock
          .run(async () => {
            // Let requests already received reach the queue first: a synchronous store (SQLite)
            // would otherwise commit each command alone while the others wait unparsed.
            await new Promise<void>((resolve) => setImmediate(resolve));
            finish = await commitBatch(queue.splice(0, MAX_BATCH));
          })
          .catch(() => undefined);
        void finish?.();
        if (queue.length > 0 && deps.batchPauseMs) await sleep(deps.batchPauseMs);
      }
    } finally {
      draining = false;
    }
  }

  /**
   * Moves into `batch` the commands that reached the queue while its transaction waited for the
   * store's lock (the writers of all replicas queue on it), from the front and in order, as long
   * as the transaction read what deciding them needs: a create needs no stored row, any other
   * command one of `adIds`. The first that needs another row stops it and leads the next batch.
   */
  function joinLate(batch: Waiting[], adIds: ReadonlySet<string>): void {
    while (batch.length < MAX_BATCH) {
      const next = queue[0];
      if (!next || (next.command.type !== 'create' && !adIds.has(next.command.id))) return;
      batch.push(next);
      queue.shift();
    }
  }

  /**
   * Commits `batch`, applies and hands its entries to the log; never rejects. Resolves with what
   * answers the batch's commands once the log confirmed (never rejects either).
   */
  async function commitBatch(batch: Waiting[]): Promise<() => Promise<void>> {
    if (batch.length === 0) return () => Promise.resolve();
    const adIds = new Set<string>();
    for (const { command } of batch) if (command.type !== 'create') adIds.add(command.id);
    let outcomes: readonly Outcome[] = [];
    let entries: readonly Entry[];
    try {
      entries = await store.commitBatch({ afterSeq: replica.state.seq, adIds: [...adIds] }, (ctx) => {
        replica.receive(ctx.tail);
        if (replica.state.seq !== ctx.head) {
          throw invariantFailed(`state at seq ${replica.state.seq} could not reach store head ${ctx.head}`);
        }
        joinLate(batch, adIds);
        // The store's clock, never this replica's: no replica's clock leaks into the state's time.
        const now = Math.max(ctx.now, replica.state.at);
        const decided = decideBatch(
          replica.state,
          batch.map((w) => w.command),
          { now, limits, stored: ctx.stored },
        );
        outcomes = decided.outcomes;
        return decided.entries;
      });
    } catch (error) {
      for (const w of batch) w.settle({ error });
      return () => Promise.resolve();
    }
    const last = entries.at(-1);
    let published = Promise.resolve();
    if (last) {
      deps.failpoint?.('after-commit');
      deps.onCommitted?.(entries);
      // Handed to the log before they are applied here: the other replicas hear of them sooner.
      published = log.publish(entries).catch((err: unknown) => deps.onPublishError?.(err, entries));
      replica.receive(entries);
    }
    return async () => {
      await published;
      if (last) await replica.waitFor(last.seq);
      batch.forEach((w, i) => w.settle(outcomes[i] ?? { error: invariantFailed('command left undecided') }));
    };
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export type Execute = ReturnType<typeof createWritePath>;
