import type pg from 'pg';
import { AppError, storeUnavailable } from '../model/errors.js';

/**
 * Socket-level failures, and SQLSTATEs that say "the database cannot serve us now" rather than
 * "this query is wrong". Whole classes: 08 (connection exception), 53 (insufficient resources:
 * too many connections, out of memory, disk full).
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'EAI_AGAIN',
  '57P01', // admin_shutdown: terminated by an administrator, or a fast shutdown
  '57P02', // crash_shutdown: another backend crashed
  '57P03', // cannot_connect_now: starting up, shutting down, in recovery
  '57P05', // idle_session_timeout
  '25P03', // idle_in_transaction_session_timeout
  '25006', // read_only_sql_transaction: a failover left us on a standby
  '57014', // query_canceled: statement_timeout
  '55P03', // lock_not_available: lock_timeout
]);
const UNAVAILABLE_CLASSES = ['08', '53'];
/** 55000 is also raised by bad statements; only this message of it is an outage. */
const NOT_ACCEPTING = /is not currently accepting connections/i;
const CONNECTION_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection refused|not queryable|Client was closed/i;

/**
 * The JavaScript engine's own error classes: a bug in our code or a library's, never the
 * database's answer, even when its message reads like one or it met us while connecting.
 */
const isProgrammingError = (err: Error): boolean =>
  err instanceof TypeError ||
  err instanceof RangeError ||
  err instanceof ReferenceError ||
  err instanceof SyntaxError;

/** Errors that pg-pool raised while getting a connection (see `watchConnects`). */
const connectFailures = new WeakSet<object>();

/**
 * True when `err` means the database could not be reached or cannot serve us for now: any
 * failure to get a connection, a socket error, a server going away, starting up or read-only,
 * too many connections, a statement or lock timeout. False for everything else (a bad query, a
 * constraint, a bug: a TypeError and its kin whatever their message), which stays a 500.
 */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error) || isProgrammingError(err)) return false;
  if (connectFailures.has(err)) return true;
  if (err instanceof AggregateError) return err.errors.some(isConnectionError);
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (UNAVAILABLE_CODES.has(code) || UNAVAILABLE_CLASSES.includes(code.slice(0, 2))) return true;
    if (code === '55000') return NOT_ACCEPTING.test(err.message);
    if (/^[0-9A-Z]{5}$/.test(code)) return false;
  }
  return CONNECTION_MESSAGES.test(err.message);
}

/** Turns an outage into `store_unavailable`; any other error passes unchanged. */
export function asStoreError(err: unknown): unknown {
  return !(err instanceof AppError) && isConnectionError(err) ? storeUnavailable(err) : err;
}

/**
 * Runs one call of a Postgres adapter with its rejection passed through `asStoreError`: the
 * `around` of the typed store wrappers (`aroundStore`, `aroundBudgetStore`,
 * `aroundTrackingStore`), so an outage answers 503 and a bug stays what it was. A call that
 * throws before returning its promise rejects the same way.
 */
export async function mapStoreErrors<R>(call: () => Promise<R>): Promise<R> {
  try {
    return await call();
  } catch (err) {
    throw asStoreError(err);
  }
}

type ConnectCallback = (
  err: Error | undefined,
  client?: pg.PoolClient,
  done?: (release?: unknown) => void,
) => void;
const watched = new WeakSet<pg.Pool>();

/**
 * Makes every error met while `pool` gets a connection (its own `query` included) count as an
 * outage, whatever the server said: refused, not accepting connections, the database gone or
 * renamed, authentication changed, no free connection within the connect timeout. Call once
 * where the pool is made; calling again does nothing.
 */
export function watchConnects(pool: pg.Pool): pg.Pool {
  if (watched.has(pool)) return pool;
  watched.add(pool);
  const connect = pool.connect.bind(pool) as unknown as (
    cb?: ConnectCallback,
  ) => Promise<pg.PoolClient> | undefined;
  const mark = (err: unknown): void => {
    if (typeof err === 'object' && err !== null) connectFailures.add(err);
  };
  const watchedConnect = (cb?: ConnectCallback) =>
    cb
      ? connect((err, client, done) => {
          if (err) mark(err);
          cb(err, client, done);
        })
      : connect()!.catch((err: unknown) => {
          mark(err);
          throw err;
        });
  (pool as unknown as { connect: typeof watchedConnect }).connect = watchedConnect;
  return pool;
}
