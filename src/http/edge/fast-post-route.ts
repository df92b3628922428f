/**
 * The part every bare node:http `POST` route shares (events, decisions): matching its path
 * (with or without a query string), the request id, the JSON answer with the envelope's headers
 * and metrics, and the error answer. An answer given before the body was read whole ends the
 * connection (`edge-response.ts`), whichever check refused it.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { errorBody, requestIdOf, type Envelope } from './envelope.js';
import { writeAnswer } from './node-answer.js';

export type Send = (status: number, body: string, headers?: Readonly<OutgoingHttpHeaders>) => void;

/** A node:http handler for `POST path`, answering what `serve` sends or throws; false for other requests. */
export function createFastPostRoute(
  path: string,
  envelope: Envelope,
  serve: (req: IncomingMessage, send: Send) => Promise<void>,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return function handle(req, res) {
    const url = req.url;
    if (url === undefined || !url.startsWith(path)) return false;
    if (url.length > path.length && url.charCodeAt(path.length) !== 63) return false;
    if (req.method !== 'POST') return false;

    const started = performance.now();
    const given = req.headers['x-request-id'];
    const requestId = requestIdOf(typeof given === 'string' ? given : undefined);
    let answered = false;
    const send: Send = (status, body, headers) => {
      answered = true;
      // A client gone before its answer gets none, and is still counted, once, under this route (a 499).
      writeAnswer(res, status, body, requestId, false, headers);
      envelope.answered(requestId, 'POST', path, path, status, started);
    };
    serve(req, send).catch((err: unknown) => {
      if (answered) return;
      const e = envelope.failure(err, { requestId, method: 'POST', path });
      send(e.status, errorBody(e), e.headers);
    });
    return true;
  };
}
