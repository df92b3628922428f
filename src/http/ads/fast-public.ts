import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdsService } from '../../service/ads-service.js';
import { errorBody, requestIdOf, type Envelope } from '../edge/envelope.js';
import { writeAnswer } from '../edge/node-answer.js';
import { AD_PATH, ensureReady } from './paths.js';
import { uncachedPages, type PageSource } from './page-cache.js';
import { parsePublicQuery } from './query.js';

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
  readonly envelope: Envelope;
  /** Where pages come from (`page-cache.ts`); default: queried and rendered afresh. */
  readonly pages?: PageSource;
}

/**
 * `GET` and `HEAD /api/v1/ad` answered straight on node:http, before hono builds a `Request`:
 * the public query is the hot path. Same parser, page, envelope (request id, error bodies, log
 * line, metrics) and headers as the hono route (a test compares the two on many URLs). Pages come
 * from `pages`: the answer cache, which keeps the pages of questions asked again (README,
 * "Reads"). Returns false for any other request.
 */
export function createFastPublicRoute({ service, envelope, pages = uncachedPages(service) }: FastPublicDeps) {
  return function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const { url, method } = req;
    if ((method !== 'GET' && method !== 'HEAD') || url === undefined || !url.startsWith(AD_PATH))
      return false;
    if (url.length > AD_PATH.length && url.charCodeAt(AD_PATH.length) !== QUESTION_MARK) return false;

    const started = performance.now();
    const requestId = requestIdOf(requestIdHeader(req.rawHeaders));
    let status = 200;
    let body: string;
    let extra: Readonly<Record<string, string>> | undefined;
    try {
      ensureReady(service);
      body = pages.page(parsePublicQuery(url));
    } catch (err) {
      const e = envelope.failure(err, { requestId, method, path: AD_PATH });
      status = e.status;
      extra = e.headers;
      body = errorBody(e);
    }
    writeAnswer(res, status, body, requestId, true, extra);
    envelope.answered(requestId, method, AD_PATH, AD_PATH, status, started);
    return true;
  };
}
