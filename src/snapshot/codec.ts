import type { Ad } from '../model/ad.js';
import type { AdIndex } from '../index/ad-index.js';
import type { Reply, State } from '../statemachine/state.js';

/** The snapshot's wire form: plain JSON of everything `apply` builds, except the derived index. */
interface SnapshotBody {
  readonly v: 1;
  readonly seq: number;
  readonly at: number;
  readonly ads: readonly Ad[];
  readonly replies: readonly (readonly [string, Reply])[];
  readonly createsByDay: readonly (readonly [number, number])[];
}

export function encodeState(state: State): string {
  const body: SnapshotBody = {
    v: 1,
    seq: state.seq,
    at: state.at,
    ads: [...state.ads.values()],
    replies: [...state.replies],
    createsByDay: [...state.createsByDay],
  };
  return JSON.stringify(body);
}

/** Rebuilds a state from `encodeState` output; the index is filled from the ads. */
export function decodeState(data: string, index: AdIndex): State {
  const body = JSON.parse(data) as SnapshotBody;
  if (body.v !== 1) throw new Error(`unknown snapshot version ${String(body.v)}`);
  const ads = new Map<string, Ad>();
  for (const ad of body.ads) {
    ads.set(ad.id, ad);
    index.upsert(ad);
  }
  return {
    seq: body.seq,
    at: body.at,
    ads,
    index,
    replies: new Map(body.replies),
    createsByDay: new Map(body.createsByDay),
  };
}
