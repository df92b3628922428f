/**
 * A decision's candidates for a viewer (the public query's whole answer, grouped by priority),
 * kept while the service's answers epoch lasts: the epoch moves with every applied entry and
 * whenever an ad starts or ends, so a kept set is always the one a fresh query would build.
 * Bounded by the candidates held (oldest sets dropped first).
 */
import { deliveryOf, type Ad, type AdQuery } from '../model/ad.js';
import type { AdsService } from '../service/ads-service.js';
import { groupCandidates, type Candidates } from './choice.js';

export const MAX_CACHED_CANDIDATES = 1_000_000;

const ALL = Number.MAX_SAFE_INTEGER;

export interface CandidateCache {
  /** The candidates for `viewer` at `now`; `hit` says whether they were kept from before. */
  get(viewer: AdQuery, now: number): { readonly candidates: Candidates<Ad>; readonly hit: boolean };
}

const keyOf = (q: AdQuery): string =>
  `${q.age ?? ''}|${q.gender ?? ''}|${q.country ?? ''}|${q.platform ?? ''}`;

export function createCandidateCache(
  service: Pick<AdsService, 'query' | 'answersEpoch'>,
  maxCandidates = MAX_CACHED_CANDIDATES,
): CandidateCache {
  let epoch = -1;
  const sets = new Map<string, Candidates<Ad>>();
  let held = 0;
  return {
    get(viewer, now) {
      const current = service.answersEpoch(now);
      if (current !== epoch) {
        sets.clear();
        held = 0;
        epoch = current;
      }
      const key = keyOf(viewer);
      const kept = sets.get(key);
      if (kept) return { candidates: kept, hit: true };
      const candidates = groupCandidates(service.query(viewer, 0, ALL, now), deliveryOf);
      const size = candidates.items.length + 1;
      if (size <= maxCandidates) {
        for (const [k, old] of sets) {
          if (held + size <= maxCandidates) break;
          sets.delete(k);
          held -= old.items.length + 1;
        }
        sets.set(key, candidates);
        held += size;
      }
      return { candidates, hit: false };
    },
  };
}
