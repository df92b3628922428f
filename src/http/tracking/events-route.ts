/**
 * `POST /api/v1/events`, served on bare node:http ahead of hono (it is the write-heavy hot
 * path). Checks run in the contract's order: readiness, auth (401), the client's rate budget
 * (429, before the body is read), body size (413, 256 KiB), encoding and type (415), JSON (400
 * `invalid_json`), validation (400), the rate charge (429), spool room (503); then per-event
 * rejections and the idempotency key (422). The 202 is written once the events are durable.
 */
import type { IncomingMessage } from 'node:http';
import { AppError, notReady, rateLimited } from '../../model/errors.js';
import { readJsonRequest } from '../input/body.js';
import { fingerprint } from '../input/canonical-json.js';
import { idempotencyKeyOf, parseWriteHeaders } from '../input/headers.js';
import type { ClientAddress } from '../edge/client-address.js';
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
  /**
   * The `EVENTS_TOKEN` check when one is set (`createTokenGate`): throws 401, or 429 for an
   * address past its budget of failed authentications.
   */
  readonly authorize?: ((req: IncomingMessage) => Promise<void>) | undefined;
  /** Events per client address; absent when EVENTS_RATE_LIMIT is 0. */
  readonly rateLimiter?: RateLimiter | undefined;
  /** Whose address a request is, for `rateLimiter`. */
  readonly clientAddress: ClientAddress;
  /** True while the not-yet-stored events exceed SPOOL_MAX_MB. */
  readonly spoolFull: () => boolean;
  /** Seconds a client should wait after a `spool_full`. */
  readonly spoolRetryAfter: number;
}

const TOO_MANY_EVENTS = 'too many events from this client';

export function createEventsRoute(deps: EventsRouteDeps) {
  const { tracker, envelope, rateLimiter } = deps;
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
    if (deps.authorize) await deps.authorize(req);
    const client = deps.clientAddress(req);
    if (rateLimiter) {
      const wait = await rateLimiter.blockedFor(client);
      if (wait > 0) throw rateLimited(wait, TOO_MANY_EVENTS);
    }
    const raw = await readJsonRequest(req, MAX_EVENTS_BODY_BYTES);
    const keyValue = idempotencyKeyOf(req);
    const events = validateEvents(raw, parseWriteHeaders(undefined, keyValue).details);
    if (rateLimiter) {
      const wait = await rateLimiter.consume(client, events.length);
      if (wait > 0) throw rateLimited(wait, TOO_MANY_EVENTS);
    }
    if (deps.spoolFull()) throw spoolFull;
    const stamp = keyValue === undefined ? undefined : { key: keyValue, fingerprint: fingerprint(raw) };
    const { answer, replayed } = await tracker.record(events, stamp);
    send(202, JSON.stringify(answer), replayed ? { 'idempotent-replayed': 'true' } : undefined);
  }

  return createFastPostRoute(EVENTS_PATH, envelope, serve);
}
