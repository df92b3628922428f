import { randomUUID } from 'node:crypto';

/**
 * Fresh request ids, shaped like UUIDs (36 characters, lower-case hex and dashes): a random
 * prefix drawn once per process (the first 24 characters of a v4 UUID: 74 random bits) and a
 * 48-bit counter in the last 12 hex digits. Unique across processes with overwhelming
 * probability, but not secret: ids only tie a request to its log lines.
 *
 * Made on every answer of the hot path, so cheap: the counter's digits are written into a buffer
 * and read back as one flat string (a concatenated string would be flattened again when Node
 * checks the header value).
 */

const PREFIX = 24;
const LENGTH = 36;
const COUNTER_LIMIT = 2 ** 48;
const HEX = Buffer.from('0123456789abcdef', 'latin1');

const text = Buffer.alloc(LENGTH);
let counter = COUNTER_LIMIT;

export function newRequestId(): string {
  if (++counter >= COUNTER_LIMIT) {
    text.write(randomUUID().slice(0, PREFIX), 0, 'latin1');
    counter = 0;
  }
  let c = counter;
  for (let i = LENGTH - 1; i >= PREFIX; i--) {
    text[i] = HEX[c % 16]!;
    c = Math.floor(c / 16);
  }
  return text.toString('latin1', 0, LENGTH);
}
