import { AD_PATH, ensureReady } from '../../src/http/ads/paths.js';
import { parsePublicQuery } from '../../src/http/ads/query.js';
import { renderPage } from '../../src/http/ads/render.js';
import { errorBody } from '../../src/http/edge/envelope.js';
import { AppError } from '../../src/model/errors.js';
import type { AdsService } from '../../src/service/ads-service.js';

/** Whether `url` (a path and query) is the public query's. */
export const isPublicQuery = (url: string): boolean => url === AD_PATH || url.startsWith(`${AD_PATH}?`);

/**
 * The public query's answer to `url` worked out afresh from `service` at this moment, with
 * nothing kept from an earlier answer: what the served route must answer, whatever it keeps.
 */
export function freshPublicAnswer(service: AdsService, url: string): { status: number; body: string } {
  try {
    ensureReady(service);
    const { offset, limit, query } = parsePublicQuery(url);
    return { status: 200, body: renderPage(service.query(query, offset, limit)) };
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return { status: err.status, body: errorBody(err) };
  }
}
