/**
 * `POST /api/v1/ad` answered on bare node:http ahead of hono (creates are the write hot path;
 * hono's `Request`, context and middleware were about a tenth of a create's CPU); hono has no
 * create. Checks run in the contract's order, as the other admin routes (`admin-routes.ts`) and
 * their middleware run theirs: an address past its budget of failed authentications (429),
 * readiness (503), the admin token (401, charged to the address, 429 once over the budget), body
 * size (413), encoding and type (415), JSON (400 `invalid_json`), validation with the
 * `Idempotency-Key` header (400); then the write path: idempotency key reuse (422), quota (429),
 * store (503).
 * The 201 is written once the create is committed and applied here (read-your-writes).
 */
import type { IncomingMessage } from 'node:http';
import type { AdsService } from '../../service/ads-service.js';
import { createTokenGate, type AuthFailures } from '../edge/auth-limit.js';
import { createBearerCheck } from '../edge/bearer.js';
import type { ClientAddress } from '../edge/client-address.js';
import type { Envelope } from '../edge/envelope.js';
import { createFastPostRoute, type Send } from '../edge/fast-post-route.js';
import { readJsonRequest } from '../input/body.js';
import { fingerprint } from '../input/canonical-json.js';
import { idempotencyKeyOf, parseWriteHeaders } from '../input/headers.js';
import { validateAdBody } from '../input/validation.js';
import { AD_PATH, ensureReady } from './paths.js';
import { etagOf, locationOf, renderAd } from './render.js';
import { toAdInput } from './schemas.js';

export interface FastCreateDeps {
  readonly service: AdsService;
  readonly envelope: Envelope;
  /** Without it the admin routes are open (`ADMIN_AUTH=off`, or a loopback-only server). */
  readonly adminToken?: string | undefined;
  /** Failed authentications per address, shared with every route that asks for a token. */
  readonly authFailures?: AuthFailures | undefined;
  readonly clientAddress: ClientAddress;
}

export function createFastCreateRoute(deps: FastCreateDeps) {
  const { service } = deps;
  const ready = () => ensureReady(service);
  const authorize =
    deps.adminToken === undefined
      ? (): Promise<void> => Promise.resolve().then(ready)
      : createTokenGate(createBearerCheck(deps.adminToken), deps.clientAddress, deps.authFailures, ready);

  async function serve(req: IncomingMessage, send: Send): Promise<void> {
    await authorize(req);
    const raw = await readJsonRequest(req);
    const key = idempotencyKeyOf(req);
    const body = validateAdBody(raw, parseWriteHeaders(undefined, key).details);
    const stamp = key === undefined ? undefined : { key, fingerprint: fingerprint(raw) };
    const { ad, replayed } = await service.create(toAdInput(body), stamp);
    const headers: Record<string, string> = { location: locationOf(ad), etag: etagOf(ad) };
    if (replayed) headers['idempotent-replayed'] = 'true';
    send(201, JSON.stringify(renderAd(ad)), headers);
  }

  return createFastPostRoute(AD_PATH, deps.envelope, serve);
}
