/**
 * `GET` and `POST /api/v1/t/<token>`, the tracking URLs, served on bare node:http ahead of hono
 * (one is fired for every ad shown). Open: no auth. Checks run in the contract's order: readiness
 * (503), the token's signature (404) and expiry (410), spool room (503); a valid fire answers
 * `204`, or `302` to the ad's landing URL for a click, once it is on this replica's disk. A body
 * sent with `POST` is ignored (never read: if it has not arrived by the answer, the connection
 * closes after it). Other methods on the path are 405.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, methodNotAllowed, notReady } from '../../model/errors.js';
import { TRACKING_PATH } from '../../delivery/tracking-urls.js';
import type { Fire, FireAnswer } from '../../delivery/fire.js';
import { errorBody, requestIdOf, type Envelope } from '../edge/envelope.js';
import { answer, writeAnswer } from '../edge/node-answer.js';

export const FIRE_ROUTE = `${TRACKING_PATH}:token`;

export interface FireRouteDeps {
  readonly fire: Fire;
  readonly isReady: () => boolean;
  readonly envelope: Envelope;
  /** True while the not-yet-stored events exceed SPOOL_MAX_MB. */
  readonly spoolFull: () => boolean;
  /** Seconds a client should wait after a `spool_full`. */
  readonly spoolRetryAfter: number;
}

const SLASH = 47;
const QUESTION = 63;

/** The token of a tracking path, `''` when the path has none, `undefined` when it is another path. */
export function tokenOf(url: string): string | undefined {
  if (!url.startsWith(TRACKING_PATH)) return undefined;
  let end = url.indexOf('?', TRACKING_PATH.length);
  if (end < 0) end = url.length;
  for (let i = TRACKING_PATH.length; i < end; i++) {
    const c = url.charCodeAt(i);
    if (c === SLASH || c === QUESTION) return '';
  }
  return url.slice(TRACKING_PATH.length, end);
}

export function createFireRoute(deps: FireRouteDeps) {
  const { envelope } = deps;
  const wrongMethod = methodNotAllowed().withHeaders({ Allow: 'GET, POST' });
  const spoolFull = new AppError({
    code: 'spool_full',
    status: 503,
    message: 'too many events are waiting to be stored; retry later',
    headers: { 'Retry-After': String(deps.spoolRetryAfter) },
  });

  return function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url;
    if (url === undefined) return false;
    const token = tokenOf(url);
    if (token === undefined) return false;

    const started = performance.now();
    const method = req.method ?? 'GET';
    const given = req.headers['x-request-id'];
    const requestId = requestIdOf(typeof given === 'string' ? given : undefined);
    const send = (status: number, body: string | undefined, headers?: Readonly<Record<string, string>>) => {
      writeAnswer(res, status, body, requestId, false, headers);
      envelope.answered(requestId, method, FIRE_ROUTE, FIRE_ROUTE, status, started);
    };
    // The answer of nearly every fire: headers as a flat list, nothing spread or counted.
    const accepted = (fired: FireAnswer) => {
      if (fired.location !== undefined) return send(302, undefined, { location: fired.location });
      answer(res, 204, [
        'content-length',
        '0',
        'x-content-type-options',
        'nosniff',
        'cache-control',
        'no-store',
        'x-request-id',
        requestId,
      ]);
      envelope.answered(requestId, method, FIRE_ROUTE, FIRE_ROUTE, 204, started);
    };
    const fail = (err: unknown) => {
      const e = envelope.failure(err, { requestId, method, path: FIRE_ROUTE });
      send(e.status, errorBody(e), e.headers);
    };

    if (method !== 'GET' && method !== 'POST') fail(wrongMethod);
    else if (!deps.isReady()) fail(notReady());
    else {
      try {
        const checked = deps.fire.check(token);
        if (deps.spoolFull()) throw spoolFull;
        deps.fire.record(checked).then(accepted).catch(fail);
      } catch (err) {
        fail(err);
      }
    }
    return true;
  };
}
