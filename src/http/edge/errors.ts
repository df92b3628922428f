import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import {
  AppError,
  clientClosed,
  internal,
  methodNotAllowed,
  notFound,
  type ErrorCode,
} from '../../model/errors.js';
import { errorBody, type Envelope } from './envelope.js';
import { incomingOf } from './node-request.js';

/** Maps every failure to the contract's error body: `{ "error": { code, message, details } }`. */

export function errorResponse(c: Context, err: AppError): Response {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', ...err.headers };
  return c.body(errorBody(err), err.status as 400, headers);
}

const HTTP_EXCEPTION_CODES: Readonly<Record<number, ErrorCode>> = {
  400: 'validation_failed',
  401: 'unauthorized',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

/** hono's own exceptions keep their status when the contract has a code for it; others are 500. */
function fromHttpException(e: HTTPException): AppError {
  const code = HTTP_EXCEPTION_CODES[e.status];
  return code
    ? new AppError({ code, status: e.status, message: e.message || code.replaceAll('_', ' ') })
    : internal(e);
}

/** The client is gone: it disconnected before its request was read whole or answered. */
function clientGone(c: Context): boolean {
  if (c.req.raw.signal.aborted) return true;
  const incoming = incomingOf(c);
  return incoming !== undefined && incoming.destroyed && !incoming.complete;
}

export function createErrorHandler(envelope: Envelope): ErrorHandler {
  return (err, c) => {
    const known =
      err instanceof HTTPException ? fromHttpException(err) : clientGone(c) ? clientClosed() : err;
    const info = { requestId: c.get('requestId'), method: c.req.method, path: c.req.path };
    return errorResponse(c, envelope.failure(known, info));
  };
}

export const notFoundHandler: NotFoundHandler = (c) => errorResponse(c, notFound('route'));

/** Answers 405 with `Allow` on a known path asked with a method it does not serve. */
export function methodNotAllowedHandler(methods: readonly string[]) {
  const allow = methods.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])).join(', ');
  const withAllow = methodNotAllowed().withHeaders({ Allow: allow });
  return (c: Context): Response => errorResponse(c, withAllow);
}
