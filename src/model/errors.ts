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
  | 'gone'
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

/** What an `AppError` is made of; `details` and `headers` default to none. */
export interface AppErrorOptions {
  readonly code: ErrorCode;
  readonly status: number;
  readonly message: string;
  readonly details?: readonly ErrorDetail[];
  /** Sent with the error answer (`Retry-After`, `Allow`, `WWW-Authenticate`, …). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: readonly ErrorDetail[];
  readonly headers: Readonly<Record<string, string>>;

  constructor(options: AppErrorOptions) {
    super(options.message, 'cause' in options ? { cause: options.cause } : undefined);
    this.name = 'AppError';
    this.code = options.code;
    this.status = options.status;
    this.details = options.details ?? [];
    this.headers = options.headers ?? {};
  }

  /** The same error with `headers` added to its answer. */
  withHeaders(headers: Readonly<Record<string, string>>): AppError {
    const { code, status, message, details, cause } = this;
    return new AppError({ code, status, message, details, headers: { ...this.headers, ...headers }, cause });
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
  new AppError({ code: 'validation_failed', status: 400, message, details: capDetails(details) });
export const invalidJson = (message = 'request body is not valid JSON') =>
  new AppError({ code: 'invalid_json', status: 400, message });
export const unauthorized = () =>
  new AppError({ code: 'unauthorized', status: 401, message: 'missing or wrong bearer token' });
export const notFound = (what = 'resource') =>
  new AppError({ code: 'not_found', status: 404, message: `${what} not found` });
export const gone = (message: string) => new AppError({ code: 'gone', status: 410, message });
export const methodNotAllowed = () =>
  new AppError({ code: 'method_not_allowed', status: 405, message: 'method not allowed on this route' });
export const versionMismatch = (current: number) =>
  new AppError({
    code: 'version_mismatch',
    status: 412,
    message: `If-Match does not match the current version ${current}`,
  });
export const payloadTooLarge = (limit: number) =>
  new AppError({
    code: 'payload_too_large',
    status: 413,
    message: `request body is larger than ${limit} bytes`,
  });
export const unsupportedMediaType = () =>
  new AppError({
    code: 'unsupported_media_type',
    status: 415,
    message: 'request body must be application/json',
  });
export const idempotencyKeyReused = () =>
  new AppError({
    code: 'idempotency_key_reused',
    status: 422,
    message: 'Idempotency-Key was already used with a different body',
  });
export const quotaExceeded = (message: string) =>
  new AppError({ code: 'quota_exceeded', status: 429, message });
/** A budget of this client is spent: retry after `seconds` (at least 1). */
export const rateLimited = (seconds: number, message: string) =>
  new AppError({
    code: 'rate_limited',
    status: 429,
    message,
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(seconds))) },
  });
export const notReady = () =>
  new AppError({
    code: 'not_ready',
    status: 503,
    message: 'replica is still recovering',
    headers: { 'Retry-After': '1' },
  });
export const requestTimeout = () =>
  new AppError({ code: 'request_timeout', status: 408, message: 'the request was not received in time' });
export const headersTooLarge = () =>
  new AppError({ code: 'headers_too_large', status: 431, message: 'request headers are too large' });
export const unsupportedEncoding = () =>
  new AppError({
    code: 'unsupported_media_type',
    status: 415,
    message: 'Content-Encoding must be identity: compressed request bodies are not accepted',
  });
/** The database cannot be reached: nothing was written; the client may retry shortly. */
export const storeUnavailable = (cause?: unknown) =>
  new AppError({
    code: 'store_unavailable',
    status: 503,
    message: 'the database cannot be reached; retry shortly',
    headers: { 'Retry-After': '2' },
    cause,
  });
/** The client went away before its request was read or answered (nginx's 499): not a server error. */
export const clientClosed = () =>
  new AppError({ code: 'client_closed', status: 499, message: 'the client closed the connection' });
export const internal = (cause?: unknown) =>
  new AppError({ code: 'internal', status: 500, message: 'internal server error', cause });
/** An internal invariant does not hold (a bug, or a store not in the shape it must be): 500 `internal`. */
export const invariantFailed = (message: string) => internal(new Error(message));
