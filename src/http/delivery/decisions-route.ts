/**
 * `POST /api/v1/decisions`, served on bare node:http ahead of hono (it is asked as often as the
 * public query). Checks run in the contract's order: readiness, auth (401, `EVENTS_TOKEN` when
 * set), body size (413), encoding and type (415), JSON (400 `invalid_json`), validation (400).
 */
import type { IncomingMessage } from 'node:http';
import { creativeOf } from '../../model/ad.js';
import { notReady, payloadTooLarge, unsupportedMediaType } from '../../model/errors.js';
import type { Decider, DecisionOutcome } from '../../delivery/decider.js';
import type { Envelope } from '../edge/envelope.js';
import { createFastPostRoute, type Send } from '../edge/fast-post-route.js';
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
  /**
   * The `EVENTS_TOKEN` check when one is set (`createTokenGate`): throws 401, or 429 for an
   * address past its budget of failed authentications.
   */
  readonly authorize?: ((req: IncomingMessage) => Promise<void>) | undefined;
}

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

  async function serve(req: IncomingMessage, send: Send) {
    if (!deps.isReady()) throw notReady();
    if (deps.authorize) await deps.authorize(req);
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

  return createFastPostRoute(DECISIONS_PATH, envelope, serve);
}
