import type { Entry } from './entries.js';
import { REPLY_TTL_MS, utcDay, type State } from './state.js';

/** Raised when an entry does not follow the last applied one: the caller must fill the gap first. */
export class GapError extends Error {
  constructor(
    readonly expected: number,
    readonly got: number,
  ) {
    super(`log gap: expected seq ${expected}, got ${got}`);
    this.name = 'GapError';
  }
}

/**
 * The state machine's transition. Deterministic, no I/O, no clock: the entry's `at` is the time.
 * An entry at or below the applied `seq` is a duplicate and changes nothing; one past `seq + 1`
 * is refused with `GapError`.
 */
export function apply(state: State, entry: Entry): State {
  if (entry.seq <= state.seq) return state;
  if (entry.seq !== state.seq + 1) throw new GapError(state.seq + 1, entry.seq);

  switch (entry.type) {
    case 'create': {
      state.ads.set(entry.ad.id, entry.ad);
      state.index.upsert(entry.ad);
      const day = utcDay(entry.at);
      state.createsByDay.set(day, (state.createsByDay.get(day) ?? 0) + 1);
      if (entry.idempotency) {
        state.replies.delete(entry.idempotency.key);
        state.replies.set(entry.idempotency.key, {
          fingerprint: entry.idempotency.fingerprint,
          ad: entry.ad,
          at: entry.at,
        });
      }
      break;
    }
    case 'update':
      state.ads.set(entry.ad.id, entry.ad);
      state.index.upsert(entry.ad);
      break;
    case 'delete':
      state.ads.delete(entry.id);
      state.index.remove(entry.id);
      break;
    case 'complete': {
      const ad = state.ads.get(entry.id);
      if (ad?.version === entry.version && ad.completedAt === undefined) {
        state.ads.set(entry.id, { ...ad, completedAt: entry.at });
        state.index.remove(entry.id);
      }
      break;
    }
    case 'expire':
      if (state.ads.get(entry.id)?.version === entry.version) {
        state.ads.delete(entry.id);
        state.index.remove(entry.id);
      }
      break;
  }
  state.seq = entry.seq;
  state.at = Math.max(state.at, entry.at);
  forgetOld(state);
  return state;
}

function forgetOld(state: State): void {
  const cutoff = state.at - REPLY_TTL_MS;
  for (const [key, reply] of state.replies) {
    if (reply.at > cutoff) break;
    state.replies.delete(key);
  }
  const today = utcDay(state.at);
  for (const day of state.createsByDay.keys()) if (day < today) state.createsByDay.delete(day);
}
