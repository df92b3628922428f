/**
 * `POST /api/v1/decisions`, served on bare node:http ahead of hono (it is asked as often as the
 * public query). Checks run in the contract's order: readiness, auth (401, `EVENTS_TOKEN` when
 * set), body size (413), encoding and type (415), JSON (400 `invalid_json`), validation (400).
 */
import type { IncomingMessage } from 'node:http';
import { creativeOf, type Ad } from '../../model/ad.js';
import { notReady } from '../../model/errors.js';
import type { Decider, DecisionOutcome } from '../../delivery/decider.js';
import type { Envelope } from '../edge/envelope.js';
import { createFastPostRoute, type Send } from '../edge/fast-post-route.js';
import { parseJsonBytes, readJsonBytes } from '../input/body.js';
import { plainDecisionBytes } from './plain-decision-bytes.js';
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

/** Ads are immutable values (a change makes a new object), so each one's head is made once. */
const heads = new WeakMap<Ad, string>();

/** `{"adId":…,"title":…,"creative":…,"decisionId":"` of one ad. */
function headOf(ad: Ad): string {
  let head = heads.get(ad);
  if (head === undefined) {
    head = `{"adId":${JSON.stringify(ad.id)},"title":${JSON.stringify(ad.title)},"creative":${JSON.stringify(creativeOf(ad))},"decisionId":"`;
    heads.set(ad, head);
  }
  return head;
}

/**
 * The answer's JSON text, as `JSON.stringify` would write it. The decision's own strings are
 * written as they are: decision ids (base36 and dots), tracking URLs (a path and base64url) and
 * RFC 3339 times hold nothing JSON escapes.
 */
export function renderDecisions(outcome: DecisionOutcome): string {
  const { decided } = outcome;
  let body = '{"decisions":[';
  for (let i = 0; i < decided.length; i++) {
    const d = decided[i]!;
    if (i > 0) body += ',';
    body +=
      headOf(d.ad) +
      d.decisionId +
      '","impressionUrl":"' +
      d.impressionUrl +
      '","clickUrl":"' +
      d.clickUrl +
      '","expiresAt":"' +
      d.expiresAt +
      '"}';
  }
  return body + ']}';
}

export function createDecisionsRoute(deps: DecisionsRouteDeps) {
  const { decider, envelope } = deps;

  async function serve(req: IncomingMessage, send: Send) {
    if (!deps.isReady()) throw notReady();
    if (deps.authorize) await deps.authorize(req);
    const bytes = await readJsonBytes(req);
    const request = plainDecisionBytes(bytes) ?? toDecisionRequest(parseJsonBytes(bytes));
    send(200, renderDecisions(await decider.decide(request)));
  }

  return createFastPostRoute(DECISIONS_PATH, envelope, serve);
}
