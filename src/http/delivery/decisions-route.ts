/**
 * `POST /api/v1/decisions`, served on bare node:http ahead of hono (it is asked as often as the
 * public query). Checks run in the contract's order: readiness, auth (401, `EVENTS_TOKEN` when
 * set), body size (413), encoding and type (415), JSON (400 `invalid_json`), validation (400).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { creativeOf } from '../../model/ad.js';
import { notReady, payloadTooLarge, unauthorized, unsupportedMediaType } from '../../model/errors.js';
import type { Decider, DecisionOutcome } from '../../delivery/decider.js';
import { errorBody, requestIdOf, type Envelope } from '../edge/envelope.js';
import {
  declaresMoreThan,
  isIdentityEncoding,
  isJsonContentType,
  MAX_BODY_BYTES,
  parseJsonBytes,
  readBodyUpTo,
} from '../input/body.js';
import { toDecisionRequest } from './schemas.js';

export const DECISIONS_PATH = '/api/v1/decisions';

export interface DecisionsRouteDeps {
  readonly decider: Decider;
  readonly isReady: () => boolean;
  readonly envelope: Envelope;
  /** When set, requests need `Authorization: Bearer <eventsToken>`. */
  readonly eventsToken?: string | undefined;
}

const BEARER = /^Bearer +(\S+) *$/i;
const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** The answer's JSON text. */
export function renderDecisions(outcome: DecisionOutcome): string {
  return JSON.stringify({
    decisions: outcome.decided.map((d) => ({
      adId: d.ad.id,
      title: d.ad.title,
      creative: creativeOf(d.ad),
      decisionId: d.decisionId,
      impressionUrl: d.impressionUrl,
      clickUrl: d.clickUrl,
      expiresAt: d.expiresAt,
    })),
  });
}

export function createDecisionsRoute(deps: DecisionsRouteDeps) {
  const { decider, envelope } = deps;
  const expected = deps.eventsToken === undefined ? undefined : digest(deps.eventsToken);
  const denied = unauthorized().withHeaders({ 'WWW-Authenticate': 'Bearer' });

  async function serve(req: IncomingMessage, send: (status: number, body: string, headers?: object) => void) {
    if (!deps.isReady()) throw notReady();
    if (expected) {
      const m = BEARER.exec(req.headers.authorization ?? '');
      if (!m || !timingSafeEqual(digest(m[1]!), expected)) throw denied;
    }
    if (declaresMoreThan(req.headers['content-length'], MAX_BODY_BYTES))
      throw payloadTooLarge(MAX_BODY_BYTES);
    const bytes = await readBodyUpTo(req, MAX_BODY_BYTES);
    if (!bytes) throw payloadTooLarge(MAX_BODY_BYTES);
    if (
      !isIdentityEncoding(req.headers['content-encoding']) ||
      !isJsonContentType(req.headers['content-type'])
    ) {
      throw unsupportedMediaType();
    }
    const request = toDecisionRequest(parseJsonBytes(bytes));
    send(200, renderDecisions(await decider.decide(request)));
  }

  return function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url;
    if (url === undefined || !url.startsWith(DECISIONS_PATH)) return false;
    if (url.length > DECISIONS_PATH.length && url.charCodeAt(DECISIONS_PATH.length) !== 63) return false;
    if (req.method !== 'POST') return false;

    const started = performance.now();
    const given = req.headers['x-request-id'];
    const requestId = requestIdOf(typeof given === 'string' ? given : undefined);
    const info = { requestId, method: 'POST', path: DECISIONS_PATH };
    let answered = false;
    const send = (status: number, body: string, headers?: object) => {
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
      envelope.answered(requestId, 'POST', DECISIONS_PATH, DECISIONS_PATH, status, started);
    };
    serve(req, send).catch((err: unknown) => {
      if (answered) return;
      const e = envelope.failure(err, info);
      const close = e.code === 'payload_too_large' && !req.complete ? { connection: 'close' } : undefined;
      send(e.status, errorBody(e), { ...e.headers, ...close });
      if (close) res.once('finish', () => req.socket.destroySoon());
    });
    return true;
  };
}
