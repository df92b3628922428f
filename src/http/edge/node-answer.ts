import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * The headers every answer the edge writes itself carries (the hono app adds the same ones in
 * its middleware): its JSON type and length, `nosniff`, the request id, and `Cache-Control:
 * no-store` unless it may be cached (the public query). `body` undefined: no body (204, 302).
 */
export function answerHeaders(
  body: string | undefined,
  requestId: string,
  cacheable: boolean,
): Record<string, string | number> {
  const headers: Record<string, string | number> = {
    'content-length': body === undefined ? 0 : Buffer.byteLength(body),
    'x-content-type-options': 'nosniff',
    'x-request-id': requestId,
  };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (!cacheable) headers['cache-control'] = 'no-store';
  return headers;
}

/** Headers as `writeHead` takes them: an object, or a flat list of names and values. */
type Headers = OutgoingHttpHeaders | readonly string[];

interface Held {
  readonly res: ServerResponse;
  readonly status: number;
  readonly headers: Headers;
  readonly body: string | undefined;
}

/**
 * Whether answers wait for the end of the event loop's turn (`ANSWER_BATCHING`, on unless
 * set to 0). Every answer written to a socket wakes whoever reads it; on one machine (a load
 * balancer, a proxy or a load generator beside the server) that wake-up is paid inside the
 * server's write, and it costs more the longer the reader has slept. Answers given in one turn
 * of the loop (the requests read in it) are written one after another when the turn ends, so a
 * reader woken by the first finds the next ones waiting. An answer waits at most the rest of its
 * turn.
 */
let batching = true;
let held: Held[] = [];

export function setAnswerBatching(on: boolean): void {
  batching = on;
}

function writeHeld(): void {
  const due = held;
  held = [];
  for (const { res, status, headers, body } of due) write(res, status, headers, body);
}

function write(res: ServerResponse, status: number, headers: Headers, body: string | undefined): void {
  // A client gone before its answer (or while it waited) gets none.
  if (res.destroyed) return;
  res.writeHead(status, headers as OutgoingHttpHeaders);
  res.end(body);
}

/**
 * Every answer the edge writes itself on bare node:http goes out here: with the rest of its loop
 * turn when batching, else at once; never to a client already gone.
 */
export function answer(res: ServerResponse, status: number, headers: Headers, body?: string): void {
  if (!batching) return write(res, status, headers, body);
  if (held.length === 0) setImmediate(writeHeld);
  held.push({ res, status, headers, body });
}

/** A whole answer written on bare node:http with `answerHeaders` and `extra`. */
export function writeAnswer(
  res: ServerResponse,
  status: number,
  body: string | undefined,
  requestId: string,
  cacheable: boolean,
  extra?: Readonly<OutgoingHttpHeaders>,
): void {
  const headers = answerHeaders(body, requestId, cacheable);
  answer(res, status, extra === undefined ? headers : Object.assign(headers, extra), body);
}
