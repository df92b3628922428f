/** One error type crosses layers; `app.onError` maps it to the contract's JSON body. */
export interface ErrorDetail {
  readonly path: string;
  readonly message: string;
}

export type ErrorCode =
  | 'validation_failed'
  | 'invalid_json'
  | 'unauthorized'
  | 'not_found'
  | 'method_not_allowed'
  | 'version_mismatch'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'idempotency_key_reused'
  | 'quota_exceeded'
  | 'rate_limited'
  | 'not_ready'
  | 'request_timeout'
  | 'headers_too_large'
  | 'client_closed'
  | 'spool_full'
  | 'store_unavailable'
  | 'internal';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    message: string,
    readonly details: readonly ErrorDetail[] = [],
    readonly headers: Readonly<Record<string, string>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

/** Problems listed one by one in an answer; the rest are counted in one last detail. */
export const MAX_DETAILS = 100;

/** The first `MAX_DETAILS` problems, then `{ path: "", message: "N more problems not shown" }`. */
export function capDetails(details: readonly ErrorDetail[]): readonly ErrorDetail[] {
  if (details.length <= MAX_DETAILS) return details;
  const more = details.length - MAX_DETAILS;
  return [...details.slice(0, MAX_DETAILS), { path: '', message: `${more} more problems not shown` }];
}

export const validationFailed = (message: string, details: readonly ErrorDetail[] = []) =>
  new AppError('validation_failed', 400, message, capDetails(details));
export const invalidJson = (message = 'request body is not valid JSON') =>
  new AppError('invalid_json', 400, message);
export const unauthorized = () => new AppError('unauthorized', 401, 'missing or wrong bearer token');
export const notFound = (what = 'resource') => new AppError('not_found', 404, `${what} not found`);
export const methodNotAllowed = () =>
  new AppError('method_not_allowed', 405, 'method not allowed on this route');
export const versionMismatch = (current: number) =>
  new AppError('version_mismatch', 412, `If-Match does not match the current version ${current}`);
export const payloadTooLarge = (limit: number) =>
  new AppError('payload_too_large', 413, `request body is larger than ${limit} bytes`);
export const unsupportedMediaType = () =>
  new AppError('unsupported_media_type', 415, 'request body must be application/json');
export const idempotencyKeyReused = () =>
  new AppError('idempotency_key_reused', 422, 'Idempotency-Key was already used with a different body');
export const quotaExceeded = (message: string) => new AppError('quota_exceeded', 429, message);
export const notReady = () =>
  new AppError('not_ready', 503, 'replica is still recovering', [], { 'Retry-After': '1' });
export const requestTimeout = () =>
  new AppError('request_timeout', 408, 'the request was not received in time');
export const headersTooLarge = () => new AppError('headers_too_large', 431, 'request headers are too large');
export const unsupportedEncoding = () =>
  new AppError(
    'unsupported_media_type',
    415,
    'Content-Encoding must be identity: compressed request bodies are not accepted',
  );
/** The database cannot be reached: nothing was written; the client may retry shortly. */
export const storeUnavailable = (cause?: unknown) =>
  new AppError('store_unavailable', 503, 'the database cannot be reached; retry shortly', [], { 'Retry-After': '2' }, {
    cause,
  });
/** The client went away before its request was read or answered (nginx's 499): not a server error. */
export const clientClosed = () => new AppError('client_closed', 499, 'the client closed the connection');
export const internal = (cause?: unknown) =>
  new AppError('internal', 500, 'internal server error', [], {}, { cause });
