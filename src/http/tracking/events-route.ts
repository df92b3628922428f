/**
 * `POST /api/v1/events`, served on bare node:http ahead of hono (it is the write-heavy hot
 * path). Checks run in the contract's order: readiness, auth (401), the client's rate budget
 * (429, before the body is read), body size (413, 256 KiB), encoding and type (415), JSON (400
 * `invalid_json`), validation (400), the rate charge (429), spool room (503); then per-event
 * rejections and the idempotency key (422). The 202 is written once the events are durable.
 */
import type { IncomingMessage } from 'node:http';
import { AppError, notReady, payloadTooLarge, unsupportedMediaType } from '../../model/errors.js';
import {
  declaresMoreThan,
  isIdentityEncoding,
  isJsonContentType,
  parseJsonBytes,
  readBodyUpTo,
} from '../input/body.js';
import { fingerprint } from '../input/canonical-json.js';
import { parseWriteHeaders } from '../input/headers.js';
import { authorizationsOf, createBearerCheck, denied } from '../edge/bearer.js';
import type { Envelope } from '../edge/envelope.js';
import { createFastPostRoute, type Send } from '../edge/fast-post-route.js';
import type { RateLimiter } from '../../ratelimit/rate-limiter.js';
import type { Tracker } from '../../tracking/tracker.js';
import { validateEvents } from './schemas.js';

export const EVENTS_PATH = '/api/v1/events';
export const MAX_EVENTS_BODY_BYTES = 256 * 1024;

export interface EventsRouteDeps {
  readonly tracker: Tracker;
  readonly isReady: () => boolean;
  readonly envelope: Envelope;
  /** When set, requests need `Authorization: Bearer <eventsToken>`. */
  readonly eventsToken?: string | undefined;
  /** Events per client address; absent when EVENTS_RATE_LIMIT is 0. */
  readonly rateLimiter?: RateLimiter | undefined;
  /** True while the not-yet-stored events exceed SPOOL_MAX_MB. */
  readonly spoolFull: () => boolean;
  /** Seconds a client should wait after a `spool_full`. */
  readonly spoolRetryAfter: number;
}

const rateLimited = (seconds: number) =>
  new AppError({
    code: 'rate_limited',
    status: 429,
    message: 'too many events from this client',
    headers: {
      'Retry-After': String(Math.max(1, Math.ceil(seconds))),
    },
  });

export function createEventsRoute(deps: EventsRouteDeps) {
  const { tracker, envelope, rateLimiter } = deps;
  const check = deps.eventsToken === undefined ? undefined : createBearerCheck(deps.eventsToken);
  const refusal = denied();
  const spoolFull = new AppError({
    code: 'spool_full',
    status: 503,
    message: 'too many events are waiting to be stored; retry later',
    headers: {
      'Retry-After': String(deps.spoolRetryAfter),
    },
  });

  async function serve(req: IncomingMessage, send: Send) {
    if (!deps.isReady()) throw notReady();
    if (check && !check(authorizationsOf(req.rawHeaders))) throw refusal;
    const client = req.socket.remoteAddress ?? 'unknown';
    if (rateLimiter) {
      const wait = await rateLimiter.blockedFor(client);
      if (wait > 0) throw rateLimited(wait);
    }
    if (declaresMoreThan(req.headers['content-length'], MAX_EVENTS_BODY_BYTES))
      throw payloadTooLarge(MAX_EVENTS_BODY_BYTES);
    const bytes = await readBodyUpTo(req, MAX_EVENTS_BODY_BYTES);
    if (!bytes) throw payloadTooLarge(MAX_EVENTS_BODY_BYTES);
    if (
      !isIdentityEncoding(req.headers['content-encoding']) ||
      !isJsonContentType(req.headers['content-type'])
    )
      throw unsupportedMediaType();
    const raw = parseJsonBytes(bytes);
    const key = req.headers['idempotency-key'];
    const keyValue = Array.isArray(key) ? key[0] : key;
    const events = validateEvents(raw, parseWriteHeaders(undefined, keyValue).details);
    if (rateLimiter) {
      const wait = await rateLimiter.consume(client, events.length);
      if (wait > 0) throw rateLimited(wait);
    }
    if (deps.spoolFull()) throw spoolFull;
    const stamp = keyValue === undefined ? undefined : { key: keyValue, fingerprint: fingerprint(raw) };
    const { answer, replayed } = await tracker.record(events, stamp);
    send(202, JSON.stringify(answer), replayed ? { 'idempotent-replayed': 'true' } : undefined);
  }

  return createFastPostRoute(EVENTS_PATH, envelope, serve);
}
