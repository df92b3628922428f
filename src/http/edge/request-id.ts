import { randomUUID } from 'node:crypto';

/**
 * Fresh request ids, shaped like UUIDs (36 characters, lower-case hex and dashes): a random
 * prefix drawn once per process (the first 24 characters of a v4 UUID: 74 random bits) and a
 * 48-bit counter in the last 12 hex digits. Unique across processes with overwhelming
 * probability, but not secret: ids only tie a request to its log lines.
 *
 * Made on every answer of the hot path, so cheap: ids are written a batch at a time into a
 * buffer read back as one string, and each id is a slice of it (a flat string, which Node's
 * header check reads as it is; a concatenated one would be flattened first).
 */

const PREFIX = 24;
const LENGTH = 36;
const BATCH = 512;
const COUNTER_LIMIT = 2 ** 48;
const HEX = Buffer.from('0123456789abcdef', 'latin1');

const text = Buffer.alloc(LENGTH * BATCH);
let prefix = '';
let counter = COUNTER_LIMIT;
let batch = '';
let next = BATCH;

function fill(): void {
  if (counter + BATCH >= COUNTER_LIMIT) {
    prefix = randomUUID().slice(0, PREFIX);
    counter = 0;
  }
  for (let k = 0; k < BATCH; k++) {
    const at = k * LENGTH;
    text.write(prefix, at, 'latin1');
    let c = counter++;
    for (let i = at + LENGTH - 1; i >= at + PREFIX; i--) {
      text[i] = HEX[c % 16]!;
      c = Math.floor(c / 16);
    }
  }
  batch = text.toString('latin1');
  next = 0;
}

export function newRequestId(): string {
  if (next === BATCH) fill();
  const at = next++ * LENGTH;
  return batch.slice(at, at + LENGTH);
}
