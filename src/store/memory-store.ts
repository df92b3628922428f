/**
 * The in-memory Store for fast unit tests of the core: the log, the ads table and snapshots live
 * in this process and are lost with it. Values are kept as JSON text, as a database would, so no
 * caller shares objects with the store. Commits run synchronously, so they are serialised.
 */
import type { Ad } from '../model/ad.js';
import type { Entry } from '../statemachine/entries.js';
import { systemClock, type Clock } from '../clock/clock.js';
import { textOf } from './snapshot-parts.js';
import { IDEMPOTENCY_KEY_TTL_MS, checkNextSeqs, type Store, type StoredSnapshot } from './store.js';

interface AdRow {
  readonly ad: string;
  readonly version: number;
  expired: boolean;
}

export interface MemoryStore extends Store {
  /** The `seq`s of the stored snapshots, ascending (for tests of the keep rule). */
  snapshotSeqs(): number[];
}

export function createMemoryStore(deps: { readonly clock?: Clock } = {}): MemoryStore {
  const clock = deps.clock ?? systemClock;
  /** `log[i]` holds the entry with `seq = i + 1`. */
  const log: string[] = [];
  const ads = new Map<string, AdRow>();
  const idempotencyKeys = new Map<string, { fingerprint: string; adId: string; at: number }>();
  let snapshots: (StoredSnapshot & { readonly takenAt: number })[] = [];

  const readLog = (afterSeq: number, limit: number): Entry[] =>
    limit > 0 ? log.slice(Math.max(0, afterSeq), Math.max(0, afterSeq) + limit).map(parseEntry) : [];

  function applyToAds(entry: Entry): void {
    switch (entry.type) {
      case 'create':
      case 'update':
        ads.set(entry.ad.id, { ad: JSON.stringify(entry.ad), version: entry.ad.version, expired: false });
        if (entry.type === 'create' && entry.idempotency) {
          const { key, fingerprint } = entry.idempotency;
          idempotencyKeys.delete(key); // kept in commit order, oldest first
          idempotencyKeys.set(key, { fingerprint, adId: entry.ad.id, at: entry.at });
          for (const [k, row] of idempotencyKeys) {
            if (row.at >= entry.at - IDEMPOTENCY_KEY_TTL_MS) break;
            idempotencyKeys.delete(k);
          }
        }
        return;
      case 'delete':
        ads.delete(entry.id);
        return;
      case 'complete':
        return;
      case 'expire': {
        const row = ads.get(entry.id);
        if (row && row.version === entry.version) row.expired = true;
        return;
      }
    }
  }

  const commitBatch: Store['commitBatch'] = (request, prepare) =>
    call(() => {
      const head = log.length;
      const stored = new Map<string, Ad>();
      for (const id of request.adIds ?? []) {
        const row = ads.get(id);
        if (row) stored.set(id, JSON.parse(row.ad) as Ad);
      }
      const entries = prepare({ head, tail: readLog(request.afterSeq, head), stored, now: clock.now() });
      checkNextSeqs(entries, head);
      return entries.map((entry) => {
        const json = JSON.stringify(entry);
        log.push(json);
        applyToAds(entry);
        return parseEntry(json);
      });
    });

  return {
    commitBatch,
    readLog: (afterSeq, limit) => call(() => readLog(afterSeq, limit)),
    headSeq: () => call(() => log.length),
    getAd: (id) =>
      call(() => {
        const row = ads.get(id);
        return row && { ad: JSON.parse(row.ad) as Ad, expired: row.expired };
      }),
    expiredAds: (after, limit) =>
      call(() =>
        [...ads.values()]
          .filter((row) => row.expired)
          .map((row) => JSON.parse(row.ad) as Ad)
          .filter((ad) => after === undefined || newestFirst(ad, after) > 0)
          .sort(newestFirst)
          .slice(0, limit),
      ),
    latestSnapshotInfo: () =>
      call(() => {
        const last = snapshots.at(-1);
        return last && { seq: last.seq, takenAt: last.takenAt };
      }),
    latestSnapshot: () =>
      call(() => {
        const last = snapshots.at(-1);
        return last && { seq: last.seq, data: last.data };
      }),
    saveSnapshot: async (snapshot, keep) => {
      const data = await textOf(snapshot.data);
      if (!snapshots.some((s) => s.seq === snapshot.seq)) {
        snapshots.push({ seq: snapshot.seq, data, takenAt: Date.now() });
        snapshots.sort((a, b) => a.seq - b.seq);
      }
      snapshots = snapshots.slice(-Math.max(1, keep));
    },
    close: () => call(() => undefined),
    snapshotSeqs: () => snapshots.map((s) => s.seq),
  };
}

const newestFirst = (a: Pick<Ad, 'createdAt' | 'id'>, b: Pick<Ad, 'createdAt' | 'id'>): number =>
  a.createdAt !== b.createdAt ? b.createdAt - a.createdAt : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;

const parseEntry = (json: string): Entry => JSON.parse(json) as Entry;

/** Runs a synchronous call under the port's async signature; a throw becomes a rejection. */
const call = <T>(fn: () => T): Promise<T> => new Promise((resolve) => resolve(fn()));
