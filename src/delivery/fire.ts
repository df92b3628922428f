/**
 * A fire of a tracking URL: the token is checked with no store (signature, then expiry), and a
 * valid fire goes to the spool as an impression or click carrying its URL's identity. Whether it
 * is the URL's first fire is settled when the spool is flushed (`tracking/fires.ts`), so every
 * valid fire is answered alike, on any replica, and while the store is unreachable.
 */
import { gone, notFound } from '../model/errors.js';
import type { EventRecord } from '../tracking/deltas.js';
import type { FireKind, TrackingToken, TrackingTokenVerifier } from './tracking-urls.js';

/** What became of a fire at the edge; `counted` and `duplicate` are settled later, by the flush. */
export type RefusedFire = 'expired' | 'invalid';

export interface FireDeps {
  readonly verifier: TrackingTokenVerifier;
  readonly now: () => number;
  /** Resolves once the records are on this replica's disk (the spool's group commit). */
  readonly accept: (records: readonly EventRecord[]) => Promise<void>;
  /** The ad's landing URL, when it has one (a click then answers 302). */
  readonly landingUrlOf: (adId: string) => string | null | undefined | Promise<string | null | undefined>;
  readonly onRefused?: (kind: FireKind | 'unknown', outcome: RefusedFire) => void;
}

/** How to answer an accepted fire: 204, or 302 to `location`. */
export interface FireAnswer {
  readonly kind: FireKind;
  readonly location?: string | undefined;
}

export function createFire(deps: FireDeps) {
  const notSigned = notFound('tracking URL');
  return {
    /** The token's content; throws 404 `not_found` for a token not signed here, 410 `gone` past its expiry. */
    check(text: string): TrackingToken {
      const check = deps.verifier.verify(text, deps.now());
      if (check.ok) return check.token;
      if (check.reason === 'invalid') {
        deps.onRefused?.('unknown', 'invalid');
        throw notSigned;
      }
      deps.onRefused?.(check.token.kind, 'expired');
      throw gone(`this tracking URL expired at ${new Date(check.token.expiresAt).toISOString()}`);
    },

    /** Spools a checked fire at the current time; resolves once it is on disk. */
    async record(t: TrackingToken): Promise<FireAnswer> {
      const type = t.kind === 'impression' ? 0 : 1;
      const location = t.kind === 'click' ? await deps.landingUrlOf(t.adId) : undefined;
      await deps.accept([[type, t.adId, deps.now(), 1, [t.signer, t.hour, t.n, t.expiresAt]]]);
      return { kind: t.kind, location: location ?? undefined };
    },
  };
}

export type Fire = ReturnType<typeof createFire>;
