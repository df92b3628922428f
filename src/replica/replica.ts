import type { AdIndex } from '../index/ad-index.js';
import type { Log, Subscription } from '../log/log.js';
import type { Store } from '../store/store.js';
import { apply } from '../statemachine/apply.js';
import type { Entry } from '../statemachine/entries.js';
import { emptyState, type State } from '../statemachine/state.js';

export interface ReplicaDeps {
  readonly store: Store;
  readonly log: Log;
  readonly createIndex: () => AdIndex;
  /** The newest snapshot to recover from (see `src/snapshot/snapshot-policy.ts`). */
  readonly loadSnapshot?: (index: AdIndex) => Promise<State | undefined>;
  /** Called after each entry is applied, in `seq` order, with the state. Must not throw. */
  readonly onApplied?: (entry: Entry, state: State) => void;
  /** How often to look for committed entries the log did not bring (0 = never). */
  readonly pollIntervalMs?: number;
  readonly onError?: (err: unknown) => void;
  /** Called, with the state, after the log reported lost history and the store was re-read. */
  readonly onReset?: (state: State) => void;
}

const PAGE = 1000;

/**
 * One replica's copy of the state machine. Entries arrive from the log (any order, duplicates,
 * gaps) and from the store; they are applied strictly in `seq` order, and gaps are filled from
 * the store's log table, the source of truth.
 */
export class Replica {
  private current: State;
  ready = false;
  /** Highest `seq` seen anywhere (log or store). */
  knownHead = 0;
  private readonly pending = new Map<number, Entry>();
  private readonly waiters = new Map<number, (() => void)[]>();
  private filling: Promise<void> | undefined;
  private subscription: Subscription | undefined;
  private poller: NodeJS.Timeout | undefined;

  constructor(private readonly deps: ReplicaDeps) {
    this.current = emptyState(deps.createIndex());
  }

  /** The applied state. Read-only outside `apply`: callers outside this folder ask the service. */
  get state(): State {
    return this.current;
  }

  /** Newest snapshot, then every committed entry after it, then the live log. */
  async recover(): Promise<void> {
    const snapshot = await this.deps.loadSnapshot?.(this.deps.createIndex());
    if (snapshot) this.current = snapshot;
    this.knownHead = Math.max(this.knownHead, this.state.seq);
    this.subscription = this.deps.log.subscribe({
      onEntries: (entries) => this.receive(entries),
      onReset: () => void this.fill().then(() => this.deps.onReset?.(this.state)),
    });
    await this.fill();
    this.ready = true;
    const every = this.deps.pollIntervalMs ?? 0;
    if (every > 0) {
      this.poller = setInterval(() => void this.fill(), every);
      this.poller.unref();
    }
  }

  /** Takes entries from any source; applies what is next in order and fills gaps. */
  receive(entries: readonly Entry[]): void {
    this.take(entries);
    if (this.pending.size > 0) void this.fill();
  }

  /** Resolves once `seq` is applied, reading the store if the log does not bring it soon. */
  waitFor(seq: number): Promise<void> {
    if (this.state.seq >= seq) return Promise.resolve();
    if (seq > this.knownHead) this.knownHead = seq;
    return new Promise((resolve) => {
      const list = this.waiters.get(seq) ?? [];
      list.push(resolve);
      this.waiters.set(seq, list);
      void this.fill();
    });
  }

  /** Reads the store's log after the applied `seq` until it has nothing more. Single-flight. */
  fill(): Promise<void> {
    this.filling ??= this.fillLoop().finally(() => {
      this.filling = undefined;
    });
    return this.filling;
  }

  async close(): Promise<void> {
    if (this.poller) clearInterval(this.poller);
    await this.subscription?.close();
    await this.filling?.catch(() => undefined);
  }

  private async fillLoop(): Promise<void> {
    try {
      for (;;) {
        const rows = await this.deps.store.readLog(this.state.seq, PAGE);
        this.take(rows);
        if (rows.length < PAGE) break;
      }
    } catch (err) {
      this.deps.onError?.(err);
    }
  }

  /** Buffers entries not yet applied and applies whatever now follows in order. */
  private take(entries: readonly Entry[]): void {
    for (const e of entries) {
      if (e.seq > this.knownHead) this.knownHead = e.seq;
      if (e.seq > this.state.seq) this.pending.set(e.seq, e);
    }
    this.drain();
  }

  private drain(): void {
    for (let next = this.pending.get(this.state.seq + 1); next; next = this.pending.get(this.state.seq + 1)) {
      this.pending.delete(next.seq);
      apply(this.state, next);
      this.deps.onApplied?.(next, this.state);
      const done = this.waiters.get(next.seq);
      if (done) {
        this.waiters.delete(next.seq);
        for (const resolve of done) resolve();
      }
    }
    for (const seq of this.pending.keys()) if (seq <= this.state.seq) this.pending.delete(seq);
  }
}
