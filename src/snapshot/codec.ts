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

/** The whole state as one JSON string (see `encodeStateParts` for large states). */
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

/** Ads or replies encoded per slice: about 0.2 MB of JSON, a millisecond or two of work. */
const SLICE = 500;
/** A part is handed on once it holds this many characters. */
const PART_CHARS = 1 << 20;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * `encodeState(state)` in consecutive parts (their concatenation is the same string), encoded a
 * slice at a time with a turn of the event loop between slices, so that a large state never
 * blocks the process for long. The state is read when this is called: `apply` may change it
 * while the parts are produced (ads and replies are immutable values; only the maps change).
 */
export function encodeStateParts(state: State): AsyncIterable<string> {
  const head = `{"v":1,"seq":${JSON.stringify(state.seq)},"at":${JSON.stringify(state.at)}`;
  const ads = Array.from(state.ads.values());
  const replyKeys = Array.from(state.replies.keys());
  const replies = Array.from(state.replies.values());
  const days = JSON.stringify([...state.createsByDay]);
  return (async function* () {
    let part = `${head},"ads":[`;
    for (let i = 0; i < ads.length; i += SLICE) {
      const json = JSON.stringify(ads.slice(i, i + SLICE));
      part += (i > 0 ? ',' : '') + json.slice(1, -1);
      if (part.length >= PART_CHARS) {
        yield part;
        part = '';
      }
      await nextTurn();
    }
    part += '],"replies":[';
    for (let i = 0; i < replies.length; i += SLICE) {
      const pairs = replies.slice(i, i + SLICE).map((reply, j) => [replyKeys[i + j], reply]);
      part += (i > 0 ? ',' : '') + JSON.stringify(pairs).slice(1, -1);
      if (part.length >= PART_CHARS) {
        yield part;
        part = '';
      }
      await nextTurn();
    }
    yield `${part}],"createsByDay":${days}}`;
  })();
}

/** Rebuilds a state from `encodeState` output; the index is filled from the ads. */
export function decodeState(data: string, index: AdIndex): State {
  const body = JSON.parse(data) as SnapshotBody;
  if (body.v !== 1) throw new Error(`unknown snapshot version ${String(body.v)}`);
  const ads = new Map<string, Ad>();
  for (const ad of body.ads) {
    ads.set(ad.id, ad);
    if (ad.completedAt === undefined) index.upsert(ad);
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
