import type { Clock } from '../clock/clock.js';
import type { WriteLock } from '../lock/lock.js';
import type { Log } from '../log/log.js';
import type { Replica } from './replica.js';
import type { Store } from '../store/store.js';
import { decide, type Command, type Decision } from '../statemachine/decide.js';
import type { Entry } from '../statemachine/entries.js';
import type { Limits } from '../statemachine/quota.js';

export interface WritePathDeps {
  readonly store: Store;
  readonly log: Log;
  readonly lock: WriteLock;
  readonly clock: Clock;
  readonly replica: Replica;
  readonly limits: Limits;
  readonly onPublishError?: (err: unknown, entry: Entry) => void;
  /** Awaited after this replica applied a write and before it is answered (sibling workers). */
  readonly afterApplied?: (seq: number) => Promise<void>;
  /** Test hook: called at named points of a write (`after-commit`), for crash tests. */
  readonly failpoint?: (name: string) => void;
}

/**
 * The one way to change state: under the write lock, one store transaction catches the local
 * state machine up to the store's head, decides the command against it (so every replica decides
 * quotas, If-Match and idempotency on the same state), and commits the entry with the next `seq`.
 * Then the entry is applied locally (read-your-writes) and published to the other replicas.
 */
export function createWritePath(deps: WritePathDeps) {
  const { store, log, lock, clock, replica, limits } = deps;

  return async function execute(command: Command): Promise<Decision> {
    const { decision, seq } = await commitAndApply(command);
    if (seq !== undefined) await deps.afterApplied?.(seq);
    return decision;
  };

  function commitAndApply(command: Command): Promise<{ decision: Decision; seq?: number }> {
    return lock.run(async () => {
      let decision: Decision = { kind: 'noop' };
      const adId = command.type === 'create' ? undefined : command.id;
      const entry = await store.commit({ afterSeq: replica.state.seq, adId }, (ctx) => {
        replica.receive(ctx.tail);
        if (replica.state.seq !== ctx.head) {
          throw new Error(`state at seq ${replica.state.seq} could not reach store head ${ctx.head}`);
        }
        const now = Math.max(clock.now(), replica.state.at);
        decision = decide(replica.state, command, { now, limits, stored: ctx.stored });
        return decision.kind === 'append' ? ({ ...decision.entry, seq: ctx.head + 1 }) : undefined;
      });
      if (entry) {
        deps.failpoint?.('after-commit');
        replica.receive([entry]);
        await log.publish(entry).catch((err: unknown) => deps.onPublishError?.(err, entry));
        await replica.waitFor(entry.seq);
      }
      return { decision, seq: entry?.seq };
    });
  }
}

export type Execute = ReturnType<typeof createWritePath>;
