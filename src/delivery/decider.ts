/**
 * Decisions: which ads a viewer gets. Candidates are the ads the public query would answer for
 * the viewer now (active, matching); then the draw order (priority, weights: `choice.ts`); then
 * frequency caps, checked and recorded in one atomic step for the candidates that could be
 * chosen; each chosen ad gets its tracking URLs.
 */
import type { Clock } from '../clock/clock.js';
import { deliveryOf, type Ad, type AdQuery } from '../model/ad.js';
import type { AdsService } from '../service/ads-service.js';
import { hasBudget } from './budget.js';
import { createCandidateCache } from './candidate-cache.js';
import { drawFrom, type Random } from './choice.js';
import type { CapCandidate, FrequencyCapStore } from './frequency-caps.js';
import type { Reservations } from './reservations.js';
import type { IssuedDecision, TrackingUrls } from './tracking-urls.js';

export interface DecisionRequest {
  /** Who is viewing; without a key, ads with caps are never chosen. */
  readonly userKey?: string | undefined;
  readonly viewer: AdQuery;
  /** How many distinct ads are wanted (1..20). */
  readonly count: number;
  /** Ad ids that must not be chosen. */
  readonly exclude: ReadonlySet<string>;
}

export interface DecidedAd extends IssuedDecision {
  readonly ad: Ad;
}

export interface DecisionOutcome {
  /** In the order chosen. */
  readonly decided: readonly DecidedAd[];
  /** Ads that would have been chosen but for a cap: full for this user, no user key, or caps unreachable. */
  readonly cappedOut: readonly string[];
  /** False when the caps could not be checked, so no capped ad was chosen. */
  readonly capsReached: boolean;
}

export interface DeciderHooks {
  /** One decision answered, with how many ads it chose. */
  readonly decided?: (chosen: number) => void;
  /** Whether the viewer's candidates were kept from an earlier decision. */
  readonly candidates?: (hit: boolean) => void;
  /** Capped ads left out, by why. */
  readonly capRefused?: (reason: 'full' | 'no_user_key' | 'unavailable', ads: number) => void;
  readonly capsFailed?: (err: unknown) => void;
  /** Ads left out because their goal, pacing or this process's block allowed no more now. */
  readonly budgetRefused?: (ads: number) => void;
}

export interface DeciderDeps extends DeciderHooks {
  readonly service: Pick<AdsService, 'query' | 'answersEpoch'>;
  readonly caps: FrequencyCapStore;
  readonly urls: TrackingUrls;
  readonly clock: Clock;
  /** Impressions goals and pacing (absent: ads are served without a budget). */
  readonly reservations?: Reservations | undefined;
  /** Whether `ad` is held back at `now` by a goal met elsewhere (a daily clicks goal). */
  readonly heldBack?: ((ad: Ad, now: number) => boolean) | undefined;
  /** Default `Math.random`. */
  readonly random?: Random;
}

export interface Decider {
  decide(request: DecisionRequest): Promise<DecisionOutcome>;
}

/** Fewest candidates checked against the caps in one call. */
const MIN_CHUNK = 8;

export function createDecider(deps: DeciderDeps): Decider {
  const { caps, urls, clock, reservations, heldBack } = deps;
  const random = deps.random ?? Math.random;
  const cache = createCandidateCache(deps.service);

  return {
    async decide({ userKey, viewer, count, exclude }) {
      const now = clock.now();
      const { candidates: all, hit } = cache.get(viewer, now);
      deps.candidates?.(hit);
      const draw = drawFrom(all, random);
      const chosen: Ad[] = [];
      const cappedOut: string[] = [];
      let refused = 0;
      let noKey = 0;
      let capsReached = true;
      /** Ads a serve was reserved for; those not chosen in the end give it back. */
      const reserved: Ad[] = [];
      let outOfBudget = 0;
      // The line: the next candidates in draw order that could still be chosen, taken a chunk
      // at a time; capped ones are checked (and recorded when taken) in one call per chunk.
      let line: Ad[] = [];
      let free = 0;
      const chunk = Math.max(MIN_CHUNK, 2 * count);
      while (chosen.length < count) {
        line = [];
        let capped = 0;
        while (line.length < chunk && chosen.length + free < count) {
          const ad = draw();
          if (ad === undefined) break;
          if (exclude.has(ad.id)) continue;
          const hasCaps = deliveryOf(ad).frequencyCaps.length > 0;
          if (hasCaps && (userKey === undefined || !capsReached)) {
            if (userKey === undefined) noKey++;
            else refused++;
            cappedOut.push(ad.id);
            continue;
          }
          if (heldBack?.(ad, now)) {
            outOfBudget++;
            continue;
          }
          if (reservations && !reservations.reserve(ad, now)) {
            // An ad this process never asked a block for: its first grant is waited for, once.
            const first = reservations.firstGrant(ad);
            if (first) await first;
            if (!first || !reservations.reserve(ad, now)) {
              outOfBudget++;
              continue;
            }
          }
          // Only an ad with a budget took a serve that may have to be given back.
          if (reservations && hasBudget(deliveryOf(ad).goals)) reserved.push(ad);
          if (!hasCaps) free++;
          else capped++;
          line.push(ad);
        }
        if (line.length === 0) break;
        free = 0;
        if (capped === 0) {
          chosen.push(...line.slice(0, count - chosen.length));
          continue;
        }
        const wanted = count - chosen.length;
        const candidates: CapCandidate[] = line.map((ad) => ({
          adId: ad.id,
          caps: deliveryOf(ad).frequencyCaps,
        }));
        let taken: number[];
        try {
          taken = await caps.take(userKey!, candidates, wanted, now);
        } catch (err) {
          deps.capsFailed?.(err);
          capsReached = false;
          taken = [];
          for (let i = 0; i < line.length && taken.length < wanted; i++) {
            if (candidates[i]!.caps.length === 0) taken.push(i);
          }
        }
        for (const i of taken) chosen.push(line[i]!);
        // The walk stops at the last ad wanted: capped ads after it were never checked.
        const examined = taken.length === wanted ? taken[wanted - 1]! + 1 : line.length;
        const takenSet = new Set(taken);
        for (let i = 0; i < examined; i++) {
          if (candidates[i]!.caps.length > 0 && !takenSet.has(i)) {
            refused++;
            cappedOut.push(line[i]!.id);
          }
        }
      }
      if (refused > 0) deps.capRefused?.(capsReached ? 'full' : 'unavailable', refused);
      if (noKey > 0) deps.capRefused?.('no_user_key', noKey);
      if (outOfBudget > 0) deps.budgetRefused?.(outOfBudget);
      if (reservations) {
        if (reserved.length > 0) {
          const taken = new Set(chosen);
          for (const ad of reserved) if (!taken.has(ad)) reservations.unreserve(ad, now);
        }
        for (const ad of chosen) reservations.served(ad, now);
      }

      const decided = new Array<DecidedAd>(chosen.length);
      for (let i = 0; i < chosen.length; i++) {
        const ad = chosen[i]!;
        const { decisionId, impressionUrl, clickUrl, expiresAt } = urls.issue(ad.id, now);
        decided[i] = { ad, decisionId, impressionUrl, clickUrl, expiresAt };
      }
      deps.decided?.(decided.length);
      return { decided, cappedOut, capsReached };
    },
  };
}
