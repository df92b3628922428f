import { AppError, storeUnavailable } from '../model/errors.js';

/** Socket-level failures and Postgres SQLSTATEs that say "cannot reach the database", not "bad query". */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
]);
const CONNECTION_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection refused/i;

/** True when `err` means the database could not be reached (class 08 or a socket error). */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  if (err instanceof AggregateError) return err.errors.some(isConnectionError);
  return CONNECTION_MESSAGES.test(err.message);
}

/** Turns a connection failure into `store_unavailable`; any other error passes unchanged. */
export function asStoreError(err: unknown): unknown {
  return !(err instanceof AppError) && isConnectionError(err) ? storeUnavailable(err) : err;
}

/** `store` with every method's rejection passed through `asStoreError`. */
export function withStoreErrors<T extends object>(store: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(store)) {
    wrapped[name] =
      typeof value === 'function'
        ? (...args: unknown[]) =>
            (value as (...a: unknown[]) => Promise<unknown>).apply(store, args).catch((err: unknown) => {
              throw asStoreError(err);
            })
        : value;
  }
  return wrapped as T;
}
