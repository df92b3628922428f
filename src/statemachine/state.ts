import type { Ad } from '../model/ad.js';
import type { AdIndex } from '../index/ad-index.js';
import type { IdempotencyStamp } from './entries.js';

/** The answer remembered for an idempotent create: the ad as first answered. */
export interface Reply {
  readonly fingerprint: string;
  readonly ad: Ad;
  /** Commit time of the create; the reply is forgotten `REPLY_TTL_MS` after it. */
  readonly at: number;
}

/**
 * Everything a replica knows, rebuilt only by applying entries. `apply` mutates it in place
 * (the index is large); only `apply` and `restoreState` ever write to it.
 */
export interface State {
  /** Last applied `seq` (0 = nothing applied). */
  seq: number;
  /** Commit time of the last applied entry. */
  at: number;
  /** Live ads (scheduled or active, until their `expire` entry). */
  readonly ads: Map<string, Ad>;
  readonly index: AdIndex;
  /** Idempotency key → reply, in commit order. */
  readonly replies: Map<string, Reply>;
  /** UTC day number (epoch ms / 86,400,000, floored) → creates accepted that day. */
  readonly createsByDay: Map<number, number>;
}

export const DAY_MS = 86_400_000;
/** Keys are remembered at least 24 hours; an hour more absorbs clock skew between replicas. */
export const REPLY_TTL_MS = 25 * 3_600_000;

export const utcDay = (ms: number): number => Math.floor(ms / DAY_MS);

export function emptyState(index: AdIndex): State {
  return { seq: 0, at: 0, ads: new Map(), index, replies: new Map(), createsByDay: new Map() };
}

export function findReply(state: State, stamp: IdempotencyStamp, now: number): Reply | undefined {
  const reply = state.replies.get(stamp.key);
  return reply && reply.at + REPLY_TTL_MS > now ? reply : undefined;
}
