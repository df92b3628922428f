import { describe, expect, it } from 'vitest';
import { adBody, expectError } from './helpers.js';
import { servedOverHttp } from './served.js';

/** The 64 KiB body limit at its edge: 65,536 bytes are read, 65,537 are refused with 413. */

const LIMIT = 65_536;

/** A JSON body of exactly `bytes` bytes (valid JSON; `pad` is an unknown field, so a 400 if read). */
function bodyOf(bytes: number): string {
  const base = JSON.stringify(adBody({ pad: '' }));
  const text = JSON.stringify(adBody({ pad: 'y'.repeat(bytes - base.length) }));
  expect(Buffer.byteLength(text)).toBe(bytes);
  return text;
}

/** Chunks of 4 KiB: 65,537 bytes end with a chunk of one byte, the one over the limit. */
const chunksOf = (text: string): string[] => text.match(/[\s\S]{1,4096}/g)!;

function stream(chunks: string[]): ReadableStream<Uint8Array> {
  const queue = chunks.map((c) => new TextEncoder().encode(c));
  return new ReadableStream({
    pull(controller) {
      const next = queue.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
}

const served = servedOverHttp();
const client = () => served.client();

async function overSocket(method: string, path: string, chunks: string[], headers: Record<string, string>) {
  const res = await served.send(method, path, chunks, headers);
  return new Response(res.body, { status: res.status, headers: { 'content-type': res.contentType } });
}

type Send = (method: string, path: string, text: string) => Response | Promise<Response>;

const ways: [string, Send][] = [
  [
    'routed, Content-Length',
    (method, path, text) =>
      client().routed(path, {
        method,
        body: text,
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) },
      }),
  ],
  [
    'routed, chunked',
    (method, path, text) =>
      client().routed(path, {
        method,
        body: stream(chunksOf(text)),
        headers: { 'content-type': 'application/json' },
        duplex: 'half',
      }),
  ],
  [
    'socket, Content-Length',
    (method, path, text) =>
      overSocket(method, path, [text], {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(text)),
      }),
  ],
  [
    'socket, chunked',
    (method, path, text) =>
      overSocket(method, path, chunksOf(text), {
        'content-type': 'application/json',
        'transfer-encoding': 'chunked',
      }),
  ],
];

describe('body limit edge', () => {
  it.each(ways)('%s: 65,536 bytes are read, 65,537 bytes → 413', async (_name, send) => {
    for (const [method, path] of [
      ['POST', '/api/v1/ad'],
      ['PUT', '/api/v1/ad/x'],
    ] as const) {
      const read = await expectError(await send(method, path, bodyOf(LIMIT)), 400, 'validation_failed');
      expect(read.error.details.map((d) => d.path)).toEqual(['pad']);
      await expectError(await send(method, path, bodyOf(LIMIT + 1)), 413, 'payload_too_large');
    }
    expect(await client().publicIds()).toEqual([]);
  });
});
