import type { Ad } from '../model/ad.js';
import type { AdIndex } from '../index/ad-index.js';
import type { State } from './state.js';

const GONE = Symbol('gone');

/**
 * A map that reads through to `base` and keeps its own changes apart: `base` is never written.
 * Iteration yields the base's surviving entries, then the entries added here.
 */
class OverlayMap<K, V> extends Map<K, V> {
  private readonly changes = new Map<K, V | typeof GONE>();

  constructor(private readonly base: ReadonlyMap<K, V>) {
    super();
  }

  override get(key: K): V | undefined {
    if (!this.changes.has(key)) return this.base.get(key);
    const changed = this.changes.get(key);
    return changed === GONE ? undefined : changed;
  }

  override has(key: K): boolean {
    if (this.changes.has(key)) return this.changes.get(key) !== GONE;
    return this.base.has(key);
  }

  override set(key: K, value: V): this {
    this.changes.set(key, value);
    return this;
  }

  override delete(key: K): boolean {
    const had = this.has(key);
    this.changes.set(key, GONE);
    return had;
  }

  override clear(): void {
    for (const key of this.keys()) this.changes.set(key, GONE);
  }

  override get size(): number {
    let n = 0;
    for (const key of this.base.keys()) if (!this.changes.has(key)) n++;
    for (const value of this.changes.values()) if (value !== GONE) n++;
    return n;
  }

  override *entries(): MapIterator<[K, V]> {
    for (const [key, value] of this.base) if (!this.changes.has(key)) yield [key, value];
    for (const [key, value] of this.changes) if (value !== GONE) yield [key, value];
  }

  override *keys(): MapIterator<K> {
    for (const [key] of this.entries()) yield key;
  }

  override *values(): MapIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  override [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  override forEach(fn: (value: V, key: K, map: Map<K, V>) => void): void {
    for (const [key, value] of this.entries()) fn(value, key, this);
  }
}

/** Decisions never read the index: a draft keeps none. */
const noIndex: AdIndex = {
  upsert: () => undefined,
  remove: () => undefined,
  page: () => [],
  nextChange: () => Infinity,
  size: 0,
};

/**
 * A copy-on-write view of `base` for deciding a batch of commands: `apply` on the draft changes
 * only the draft, so each command is decided against the state as it will be after the ones
 * before it, and `base` (what readers see) stays as the store has it until the batch commits.
 * The draft has no index (decisions do not read it).
 */
export function draftOf(base: State): State {
  return {
    seq: base.seq,
    at: base.at,
    ads: new OverlayMap<string, Ad>(base.ads),
    index: noIndex,
    replies: new OverlayMap(base.replies),
    createsByDay: new OverlayMap(base.createsByDay),
  };
}
