import type { Ad, AdInput } from '../model/ad.js';
import type { EntryDraft, IdempotencyStamp } from './entries.js';
import { createsOnDay, fitsActiveQuota, type Limits } from './quota.js';
import { findReply, type State } from './state.js';
import { idempotencyKeyReused, notFound, quotaExceeded, versionMismatch } from '../model/errors.js';

/** `*` matches any existing version. */
export type IfMatch = number | '*';

export type Command =
  | {
      readonly type: 'create';
      readonly id: string;
      readonly input: AdInput;
      readonly idempotency?: IdempotencyStamp;
    }
  | { readonly type: 'update'; readonly id: string; readonly input: AdInput; readonly ifMatch?: IfMatch }
  | { readonly type: 'delete'; readonly id: string; readonly ifMatch?: IfMatch }
  | { readonly type: 'expire'; readonly id: string; readonly version: number }
  | { readonly type: 'complete'; readonly id: string; readonly version: number };

export interface DecideContext {
  /** Commit time of the entry to be made; never before `state.at`. */
  readonly now: number;
  readonly limits: Limits;
  /**
   * The ad as the store holds it, for ads no longer in live state (expired ones). The write path
   * reads it inside the commit transaction.
   */
  readonly stored?: Ad | undefined;
}

export type Decision =
  | { readonly kind: 'append'; readonly entry: EntryDraft }
  | { readonly kind: 'replay'; readonly ad: Ad }
  /** An expiry asked for before the ad's `endAt` (by the commit time): ask again in `dueInMs`. */
  | { readonly kind: 'early'; readonly dueInMs: number }
  | { readonly kind: 'noop' };

/**
 * Decides what a command does against the current state: the entry to append, a remembered
 * reply, or nothing. Pure. Failures are thrown as `AppError` in the contract's order:
 * existence (404), If-Match (412), idempotency key reuse (422), quota (429).
 */
export function decide(state: State, command: Command, ctx: DecideContext): Decision {
  const { now } = ctx;
  switch (command.type) {
    case 'create': {
      if (command.idempotency) {
        const reply = findReply(state, command.idempotency, now);
        if (reply) {
          if (reply.fingerprint !== command.idempotency.fingerprint) throw idempotencyKeyReused();
          return { kind: 'replay', ad: reply.ad };
        }
      }
      const ad: Ad = { id: command.id, ...command.input, version: 1, createdAt: now, updatedAt: now };
      if (ctx.limits.maxAdsPerDay > 0 && createsOnDay(state, now) >= ctx.limits.maxAdsPerDay) {
        throw quotaExceeded(`at most ${ctx.limits.maxAdsPerDay} ads may be created per UTC day`);
      }
      checkActiveQuota(state, ctx, ad);
      return {
        kind: 'append',
        entry: command.idempotency
          ? { type: 'create', at: now, ad, idempotency: command.idempotency }
          : { type: 'create', at: now, ad },
      };
    }
    case 'update': {
      const current = existing(state, command.id, ctx);
      checkIfMatch(current, command.ifMatch);
      // A replace sets the whole ad: settings the input leaves out go back to their defaults.
      // A new version is never completed: whoever met its goal completes it again.
      const { delivery: _delivery, creative: _creative, completedAt: _completedAt, ...kept } = current;
      const ad: Ad = {
        ...kept,
        ...command.input,
        version: current.version + 1,
        updatedAt: now,
      };
      checkActiveQuota(state, ctx, ad);
      return { kind: 'append', entry: { type: 'update', at: now, ad } };
    }
    case 'delete': {
      const current = existing(state, command.id, ctx);
      checkIfMatch(current, command.ifMatch);
      return { kind: 'append', entry: { type: 'delete', at: now, id: command.id } };
    }
    case 'complete': {
      const current = state.ads.get(command.id);
      if (!current || current.version !== command.version || current.completedAt !== undefined) {
        return { kind: 'noop' };
      }
      // After endAt the ad is expired, whatever its goals.
      if (current.endAt <= now) return { kind: 'noop' };
      return {
        kind: 'append',
        entry: { type: 'complete', at: now, id: command.id, version: command.version },
      };
    }
    case 'expire': {
      const current = state.ads.get(command.id);
      if (!current || current.version !== command.version) return { kind: 'noop' };
      if (current.endAt > now) return { kind: 'early', dueInMs: current.endAt - now };
      return { kind: 'append', entry: { type: 'expire', at: now, id: command.id, version: command.version } };
    }
  }
}

function existing(state: State, id: string, ctx: DecideContext): Ad {
  const ad = state.ads.get(id) ?? (ctx.stored?.id === id ? ctx.stored : undefined);
  if (!ad) throw notFound('ad');
  return ad;
}

function checkIfMatch(ad: Ad, ifMatch: IfMatch | undefined): void {
  if (ifMatch === undefined || ifMatch === '*') return;
  if (ifMatch !== ad.version) throw versionMismatch(ad.version);
}

function checkActiveQuota(state: State, ctx: DecideContext, ad: Ad): void {
  if (!fitsActiveQuota(state, ctx.limits, ad, ctx.now)) {
    throw quotaExceeded(`at most ${ctx.limits.maxActiveAds} ads may be active at any instant`);
  }
}
