import type { Logger } from 'pino';
import { AppError, internal } from '../../model/errors.js';
import type { Metrics } from '../ops/metrics.js';
import { newRequestId } from './request-id.js';

/**
 * What every request gets whichever server answers it (the hono app or the node:http fast path
 * of the public query): its id, the contract's error body, the log line of a 500, and metrics.
 */

/** A client's `X-Request-Id` is kept when it is 1..128 visible ASCII characters. */
const SANE_REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/** The client's `X-Request-Id` when it is sane, else a fresh one. */
export const requestIdOf = (given: string | undefined): string =>
  given !== undefined && SANE_REQUEST_ID.test(given) ? given : newRequestId();

/** The contract's error body: `{ "error": { code, message, details } }`. */
export const errorBody = (err: AppError): string =>
  JSON.stringify({ error: { code: err.code, message: err.message, details: err.details } });

/** Which request an answer belongs to, for its log line and metrics. */
export interface RequestInfo {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
}

export interface Envelope {
  /**
   * Any thrown value as the error to answer: an `AppError` as it is, anything else a 500. A 500
   * is logged once, with the request's id.
   */
  failure(err: unknown, req: RequestInfo): AppError;
  /**
   * Counts one answered request (`route` is the route pattern) started at `started`
   * (performance.now()), and logs it at debug level. Plain arguments: the hot path allocates
   * nothing for it.
   */
  answered(
    requestId: string,
    method: string,
    path: string,
    route: string,
    status: number,
    started: number,
  ): void;
}

export function createEnvelope(logger: Logger, metrics: Metrics): Envelope {
  return {
    failure(err, { requestId, method, path }) {
      const e = err instanceof AppError ? err : internal(err);
      if (e.code === 'internal')
        logger.error({ err: e.cause ?? err, requestId, method, path }, 'request failed');
      else if (e.code === 'client_closed')
        logger.debug({ requestId, method, path }, 'client closed the connection');
      return e;
    },
    answered(requestId, method, path, route, status, started) {
      const seconds = (performance.now() - started) / 1000;
      metrics.observeRequest(method, route, status, seconds);
      if (logger.isLevelEnabled('debug'))
        logger.debug({ requestId, method, path, route, status, ms: seconds * 1000 }, 'request');
    },
  };
}
