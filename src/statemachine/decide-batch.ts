import type { Ad } from '../model/ad.js';
import { apply } from './apply.js';
import { decide, type Command, type Decision } from './decide.js';
import { draftOf } from './draft.js';
import type { Entry } from './entries.js';
import type { Limits } from './quota.js';
import type { State } from './state.js';

export interface BatchDecideContext {
  /** Commit time of every entry of the batch; never before `state.at`. */
  readonly now: number;
  readonly limits: Limits;
  /** The store's rows of the ads the commands name (expired ones too), before the batch. */
  readonly stored: ReadonlyMap<string, Ad>;
}

/** What one command of a batch came to: a decision (and the `seq` of its entry), or a refusal. */
export type Outcome = { readonly decision: Decision; readonly seq?: number } | { readonly error: unknown };

/**
 * Decides `commands` one after another, each against the state as it will be after the entries
 * of the ones before it (quotas, If-Match and idempotency stay exact within the batch), without
 * touching `state`: the entries to commit take `state.seq + 1, + 2, …`. Pure.
 */
export function decideBatch(
  state: State,
  commands: readonly Command[],
  ctx: BatchDecideContext,
): { entries: Entry[]; outcomes: Outcome[] } {
  const draft = draftOf(state);
  /** The store's rows as they will be after the batch's entries so far (null: deleted). */
  const storedNow = new Map<string, Ad | null>();
  const storedRow = (id: string): Ad | undefined => {
    const row = storedNow.get(id);
    return row === undefined ? ctx.stored.get(id) : (row ?? undefined);
  };
  const entries: Entry[] = [];
  const outcomes: Outcome[] = [];
  for (const command of commands) {
    try {
      const stored = command.type === 'create' ? undefined : storedRow(command.id);
      const decision = decide(draft, command, { now: ctx.now, limits: ctx.limits, stored });
      if (decision.kind !== 'append') {
        outcomes.push({ decision });
        continue;
      }
      const entry = { ...decision.entry, seq: draft.seq + 1 } as Entry;
      apply(draft, entry);
      if (entry.type === 'create' || entry.type === 'update') storedNow.set(entry.ad.id, entry.ad);
      else if (entry.type === 'delete') storedNow.set(entry.id, null);
      entries.push(entry);
      outcomes.push({ decision, seq: entry.seq });
    } catch (error) {
      outcomes.push({ error });
    }
  }
  return { entries, outcomes };
}
