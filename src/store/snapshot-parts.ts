import type { SnapshotToSave } from './store.js';

/** The parts of a snapshot to save: a whole string is one part. */
export async function* partsOf(data: SnapshotToSave['data']): AsyncIterable<string> {
  if (typeof data === 'string') yield data;
  else yield* data;
}

/** The whole encoded state of a snapshot to save. */
export async function textOf(data: SnapshotToSave['data']): Promise<string> {
  if (typeof data === 'string') return data;
  const parts: string[] = [];
  for await (const part of data) parts.push(part);
  return parts.join('');
}

/** Resolves on the next turn of the event loop, after pending I/O callbacks. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
