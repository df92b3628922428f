/**
 * Read-your-writes across the worker processes of one host (`WORKERS > 1`). Before a worker
 * answers a write, it asks the primary to make every sibling apply that `seq`; a client whose
 * next request lands on another worker of the same port then sees its write too. Bounded: after
 * `timeoutMs` the write is answered anyway (the siblings still converge, just later).
 */
import cluster, { type Worker } from 'node:cluster';

const BARRIER = 'adsm:barrier';
const CATCH_UP = 'adsm:catch-up';
const CAUGHT_UP = 'adsm:caught-up';
const DONE = 'adsm:barrier-done';

interface Message {
  readonly t: string;
  readonly id: number;
  readonly seq?: number;
}

const isMessage = (m: unknown): m is Message =>
  typeof m === 'object' &&
  m !== null &&
  typeof (m as Message).t === 'string' &&
  typeof (m as Message).id === 'number';

/** In the primary: relays barriers between workers. */
export function relayBarriers(timeoutMs = 2000): void {
  let nextId = 0;
  const open = new Map<
    number,
    { from: Worker; waiting: Set<number>; reply: number; timer: NodeJS.Timeout }
  >();

  const finish = (key: number) => {
    const b = open.get(key);
    if (!b) return;
    open.delete(key);
    clearTimeout(b.timer);
    if (b.from.isConnected()) b.from.send({ t: DONE, id: b.reply });
  };

  cluster.on('message', (worker, msg: unknown) => {
    if (!isMessage(msg)) return;
    if (msg.t === BARRIER) {
      const key = ++nextId;
      const others = Object.values(cluster.workers ?? {}).filter(
        (w): w is Worker => !!w && w.id !== worker.id && w.isConnected(),
      );
      const timer = setTimeout(() => finish(key), timeoutMs);
      open.set(key, { from: worker, waiting: new Set(others.map((w) => w.id)), reply: msg.id, timer });
      for (const w of others) w.send({ t: CATCH_UP, id: key, seq: msg.seq });
      if (others.length === 0) finish(key);
    } else if (msg.t === CAUGHT_UP) {
      const b = open.get(msg.id);
      if (b && b.waiting.delete(worker.id) && b.waiting.size === 0) finish(msg.id);
    }
  });
  cluster.on('exit', (worker) => {
    for (const [key, b] of open) if (b.waiting.delete(worker.id) && b.waiting.size === 0) finish(key);
  });
}

export interface WorkerBarrier {
  /** Resolves once every sibling worker applied `seq` (or after the timeout): awaited before a write is answered. */
  readonly wait: (seq: number) => Promise<void>;
  /** Answers the siblings' catch-up requests with `waitFor` (this worker's replica). */
  answerWith(waitFor: (seq: number) => Promise<void>): void;
}

/** In a worker: the barrier its write path awaits, and the answers to its siblings' barriers. */
export function createWorkerBarrier(timeoutMs = 2500): WorkerBarrier {
  let nextId = 0;
  const pending = new Map<number, () => void>();
  process.on('message', (msg: unknown) => {
    if (isMessage(msg) && msg.t === DONE) pending.get(msg.id)?.();
  });
  return {
    wait: (seq) =>
      new Promise((resolve) => {
        const id = ++nextId;
        const done = () => {
          clearTimeout(timer);
          pending.delete(id);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        pending.set(id, done);
        process.send?.({ t: BARRIER, id, seq });
      }),
    answerWith(waitFor) {
      process.on('message', (msg: unknown) => {
        if (isMessage(msg) && msg.t === CATCH_UP && typeof msg.seq === 'number') {
          void waitFor(msg.seq).then(() => process.send?.({ t: CAUGHT_UP, id: msg.id }));
        }
      });
    },
  };
}
