/**
 * The part every bare node:http `POST` route shares (events, decisions): matching its path
 * (with or without a query string), the request id, the JSON answer with the envelope's headers
 * and metrics, and the error answer. A body too large to read ends the connection; node:http
 * drains smaller unread ones.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody, requestIdOf, type Envelope } from './envelope.js';

export type Send = (status: number, body: string, headers?: object) => void;

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
      if (res.destroyed) return;
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
        'x-request-id': requestId,
        ...headers,
      });
      res.end(body);
      envelope.answered(requestId, 'POST', path, path, status, started);
    };
    serve(req, send).catch((err: unknown) => {
      if (answered) return;
      const e = envelope.failure(err, { requestId, method: 'POST', path });
      const close = e.code === 'payload_too_large' && !req.complete ? { connection: 'close' } : undefined;
      send(e.status, errorBody(e), { ...e.headers, ...close });
      if (close) res.once('finish', () => req.socket.destroySoon());
    });
    return true;
  };
}
