import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { AppError, internal } from '../errors.js';
import type { AdsService } from '../service/ads-service.js';
import type { Metrics } from './metrics.js';
import { AD_PATH, ensureReady } from './paths.js';
import { parsePublicQuery } from './query.js';
import { renderPageSized } from './render.js';

const SANE_REQUEST_ID = /^[\x21-\x7e]{1,128}$/;
const QUESTION_MARK = 63;

/** The first `X-Request-Id` header, read without building `req.headers`. */
function requestIdHeader(raw: readonly string[]): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 12 && name.toLowerCase() === 'x-request-id') return raw[i + 1];
  }
  return undefined;
}

export interface FastPublicDeps {
  readonly service: AdsService;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

/**
 * `GET /api/v1/ad` answered straight on node:http, before hono builds a `Request`: the public
 * query is the hot path. Same parser, same page, same error bodies and headers as the hono
 * route (a test compares the two on many URLs). Returns false for any other request.
 */
export function createFastPublicRoute(deps: FastPublicDeps) {
  const { service, metrics, logger } = deps;

  return function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url;
    if (req.method !== 'GET' || url === undefined || !url.startsWith(AD_PATH)) return false;
    if (url.length > AD_PATH.length && url.charCodeAt(AD_PATH.length) !== QUESTION_MARK) return false;

    const started = performance.now();
    const given = requestIdHeader(req.rawHeaders);
    const requestId = given !== undefined && SANE_REQUEST_ID.test(given) ? given : randomUUID();
    let status = 200;
    let body: string;
    let bytes: number;
    let extra: Readonly<Record<string, string>> | undefined;
    try {
      ensureReady(service);
      const { offset, limit, query } = parsePublicQuery(url);
      ({ body, bytes } = renderPageSized(service.query(query, offset, limit)));
    } catch (err) {
      const e = err instanceof AppError ? err : internal(err);
      if (e.code === 'internal')
        logger.error({ err, requestId, method: 'GET', path: AD_PATH }, 'request failed');
      status = e.status;
      extra = e.headers;
      body = JSON.stringify({ error: { code: e.code, message: e.message, details: e.details } });
      bytes = Buffer.byteLength(body);
    }
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': bytes,
      'x-request-id': requestId,
      ...extra,
    });
    res.end(body);
    metrics.observeRequest('GET', AD_PATH, status, (performance.now() - started) / 1000);
    return true;
  };
}
