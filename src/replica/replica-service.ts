import type { Clock } from '../clock/clock.js';
import type { Store } from '../store/store.js';
import type { AdsService } from '../service/ads-service.js';
import { isActiveAt, type Ad } from '../model/ad.js';
import type { Decision } from '../statemachine/decide.js';
import type { State } from '../statemachine/state.js';
import { invariantFailed } from '../model/errors.js';
import type { Replica } from './replica.js';
import { randomUUIDv7 } from './uuid.js';
import type { Execute } from './write-path.js';
import { listAds, passesFilters, type ListOptions } from '../service/ad-listing.js';

const EXPIRED_BATCH = 500;

export interface ReplicaServiceDeps {
  readonly replica: Replica;
  readonly store: Store;
  readonly clock: Clock;
  readonly execute: Execute;
  readonly newId?: (() => string) | undefined;
  readonly storeAvailable?: (() => boolean) | undefined;
  readonly clockSynced?: (() => boolean) | undefined;
}

/** `AdsService` over one replica: reads from its memory, writes through the write path. */
export function createReplicaService(deps: ReplicaServiceDeps): AdsService & {
  /** Resolves with the ms still to wait when the ad is not due yet by the store's clock. */
  expire(id: string, version: number): Promise<number | undefined>;
} {
  const { replica, store, clock, execute } = deps;
  const newId = deps.newId ?? randomUUIDv7;
  /**
   * The public query's answers are the same at every time in `[from, until)` while the state
   * (replaced on recovery, changed in place by each applied entry) stays at `seq`.
   */
  let epoch = { id: 0, state: undefined as State | undefined, seq: -1, from: 0, until: -Infinity };

  const appended = (d: Decision): Ad => {
    if (d.kind === 'append' && (d.entry.type === 'create' || d.entry.type === 'update')) return d.entry.ad;
    if (d.kind === 'replay') return d.ad;
    throw invariantFailed(`unexpected decision ${d.kind}`);
  };

  /**
   * Memory holds live ads only; expired ones stay in the store. Reads them in newest-first
   * batches until a page's worth (plus one, to know whether more follow) passes the filters.
   */
  const storedExpired = async (options: ListOptions, now: number): Promise<Ad[]> => {
    if (options.status !== undefined && options.status !== 'expired') return [];
    const wanted = options.limit + 1;
    const batch = Math.max(wanted, EXPIRED_BATCH);
    const found: Ad[] = [];
    let after = options.after;
    for (;;) {
      const ads = await store.expiredAds(after, batch);
      for (const ad of ads) {
        if (!replica.state.ads.has(ad.id) && passesFilters(ad, options, now)) found.push(ad);
      }
      const last = ads[ads.length - 1];
      if (found.length >= wanted || ads.length < batch || !last) return found;
      after = last;
    }
  };

  return {
    async create(input, idempotency) {
      const decision = await execute({ type: 'create', id: newId(), input, idempotency });
      return { ad: appended(decision), replayed: decision.kind === 'replay' };
    },
    async update(id, input, ifMatch) {
      return appended(await execute({ type: 'update', id, input, ifMatch }));
    },
    async delete(id, ifMatch) {
      await execute({ type: 'delete', id, ifMatch });
    },
    async complete(id, version) {
      await execute({ type: 'complete', id, version });
    },
    async expire(id, version) {
      const decision = await execute({ type: 'expire', id, version });
      return decision.kind === 'early' ? decision.dueInMs : undefined;
    },
    async get(id) {
      return replica.state.ads.get(id) ?? (await store.getAd(id))?.ad;
    },
    async exists(id) {
      return replica.state.ads.has(id) || (await store.getAd(id)) !== undefined;
    },
    query(query, offset, limit, at = clock.now()) {
      return replica.state.index.page(query, at, offset, limit);
    },
    answersEpoch(at) {
      const { state } = replica;
      if (state !== epoch.state || state.seq !== epoch.seq || at < epoch.from || at >= epoch.until) {
        epoch = { id: epoch.id + 1, state, seq: state.seq, from: at, until: state.index.nextChange(at) };
      }
      return epoch.id;
    },
    async list(options) {
      const now = clock.now();
      const stored = await storedExpired(options, now);
      return listAds([...replica.state.ads.values(), ...stored], options, now);
    },
    latestSnapshotInfo: () => store.latestSnapshotInfo(),
    now: () => clock.now(),
    isReady: () => replica.ready,
    stats() {
      const { state } = replica;
      const now = clock.now();
      let active = 0;
      for (const ad of state.ads.values()) if (isActiveAt(ad, now)) active++;
      return {
        appliedSeq: state.seq,
        liveAds: state.ads.size,
        activeAds: active,
        lastAppliedAt: state.at,
        knownHeadSeq: Math.max(replica.knownHead, state.seq),
        storeAvailable: deps.storeAvailable?.() ?? true,
        clockSynced: deps.clockSynced?.() ?? true,
      };
    },
  };
}
