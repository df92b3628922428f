import {
  createServer,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import { getRequestListener, RequestError } from '@hono/node-server';
import {
  AppError,
  clientClosed,
  headersTooLarge,
  internal,
  requestTimeout,
  validationFailed,
} from '../../model/errors.js';
import { continueOnFirstRead, EdgeResponse } from './edge-response.js';
import { errorBody, requestIdOf, type Envelope } from './envelope.js';
import { createHostCheck, hostOf } from './host.js';
import { answerHeaders, writeAnswer } from './node-answer.js';

/**
 * The node:http server in front of the app: the fast routes, then hono. It also answers, in the
 * contract's JSON, what never reaches a route (a malformed request line or header, a missing or
 * bad `Host`, headers too large, a client too slow), and cuts slow clients off. What it promises
 * holds for every route alike, fast or hono: an answer given before the body arrived ends the
 * connection and nothing more is read, `100 Continue` only once a route reads the body
 * (`edge-response.ts`), a client that half-closes after its request still gets its answer, and
 * a client gone mid-request is one 499 under its route.
 */

export interface EdgeLimits {
  /** Time a client has to send its request line and headers (Node's `headersTimeout`). */
  readonly headersTimeoutMs: number;
  /** Time a client has to send its whole request, body included (Node's `requestTimeout`). */
  readonly requestTimeoutMs: number;
  /** Longest silence while a request's body is still arriving. */
  readonly bodyIdleTimeoutMs: number;
  /** Idle time after which a kept-alive connection is closed. */
  readonly keepAliveTimeoutMs: number;
  /** Open connections accepted at once; later ones are closed at once (0 = no limit). */
  readonly maxConnections: number;
}

export const DEFAULT_EDGE_LIMITS: EdgeLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 12_000,
  bodyIdleTimeoutMs: 5_000,
  keepAliveTimeoutMs: 65_000,
  maxConnections: 4_096,
};

export interface HttpServerDeps {
  readonly fetch: Parameters<typeof getRequestListener>[0];
  /** Answers the request itself and returns true, or returns false to let hono answer it. */
  readonly fastPath?: (req: IncomingMessage, res: ServerResponse) => boolean;
  readonly envelope: Envelope;
  readonly limits?: Partial<EdgeLimits>;
}

/** How often Node checks `headersTimeout`/`requestTimeout` (its default, 30 s, is too coarse). */
const TIMEOUT_CHECK_MS = 1_000;
/** A socket that errored while earlier requests are still being answered waits this long at most. */
const PENDING_ANSWER_LIMIT_MS = 30_000;

/** Node's client errors (llhttp codes and its own) as the contract's statuses and codes. */
function clientErrorOf(code: string | undefined): AppError {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return headersTooLarge();
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new AppError({
        code: 'payload_too_large',
        status: 413,
        message: 'chunk extensions are too large',
      });
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return requestTimeout();
    default:
      return validationFailed(`malformed HTTP request${code ? ` (${code})` : ''}`);
  }
}

/** A whole HTTP/1.1 answer written straight to the socket; the connection closes after it. */
function rawAnswer(err: AppError): string {
  const body = errorBody(err);
  const all = { ...answerHeaders(body, requestIdOf(undefined), true), connection: 'close', ...err.headers };
  const headers = [
    `HTTP/1.1 ${err.status} ${STATUS_CODES[err.status] ?? 'Error'}`,
    ...Object.entries(all).map(([k, v]) => `${k}: ${v}`),
  ];
  return `${headers.join('\r\n')}\r\n\r\n${body}`;
}

/** The answer in progress on a socket, if any (Node keeps it on `socket._httpMessage`). */
const inFlight = (socket: Socket): ServerResponse | null =>
  (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage ?? null;

function answerAndClose(socket: Socket, err: AppError): void {
  if (socket.writable) socket.end(rawAnswer(err));
  socket.destroySoon();
  setTimeout(() => socket.destroy(), 1_000).unref();
}

/**
 * Resolves once every request received on `socket` so far has been answered: Node attaches
 * pipelined answers to the socket one after another.
 */
function whenAnswered(socket: Socket, onDone: () => void): void {
  const res = inFlight(socket);
  if (res === null || socket.destroyed) return onDone();
  res.once('close', () => setImmediate(() => whenAnswered(socket, onDone)));
}

/**
 * A request that hono cannot turn into a `Request` (a `Host` that is not a host, a backslash in
 * the path) is a 400 in the contract's format, not an empty one.
 */
function honoRequestError(err: unknown): Response {
  const e =
    err instanceof RequestError ? validationFailed(`malformed request: ${err.message}`) : internal(err);
  const body = errorBody(e);
  const { 'content-length': _, ...headers } = answerHeaders(body, requestIdOf(undefined), true);
  return new Response(body, { status: e.status, headers: headers as Record<string, string> });
}

const missingHost = validationFailed('an HTTP/1.1 request needs a Host header');
const badHost = validationFailed('malformed request: the Host header is not a host');

/** An error answer through Node's response, closing the connection after it. */
function answer(res: ServerResponse, err: AppError): void {
  writeAnswer(res, err.status, errorBody(err), requestIdOf(undefined), true, {
    connection: 'close',
    ...err.headers,
  });
}

export function createHttpServer(deps: HttpServerDeps): Server {
  const limits = { ...DEFAULT_EDGE_LIMITS, ...deps.limits };
  const { envelope } = deps;
  /** Answers given outside any route are counted under `route="unmatched"`. */
  const count = (status: number) =>
    envelope.answered('-', 'OTHER', '-', 'unmatched', status, performance.now());
  const closeWith = (socket: Socket, err: AppError) => {
    count(err.status);
    answerAndClose(socket, err);
  };
  // HTTP/1.0 allows a request without Host: it is served as if sent to localhost.
  const hono = getRequestListener(deps.fetch, {
    hostname: 'localhost',
    errorHandler: (err) => {
      const res = honoRequestError(err);
      count(res.status);
      return res;
    },
  });
  const fastPath = deps.fastPath;
  const hostOk = createHostCheck();
  /** HTTP/1.0 allows a request without Host (served as sent to localhost); 1.1 does not. */
  const hostRefusal = (req: IncomingMessage): AppError | undefined => {
    const host = hostOf(req.rawHeaders);
    if (host === undefined) return req.httpVersionMinor === 1 ? missingHost : undefined;
    return hostOk(host) ? undefined : badHost;
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const refused = hostRefusal(req);
    if (refused !== undefined) {
      count(refused.status);
      return answer(res, refused);
    }
    if (fastPath === undefined || !fastPath(req, res)) void hono(req, res);
  };
  const server = createServer(
    {
      ServerResponse: EdgeResponse,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node's own answer to an HTTP/1.1 request without Host is an empty 400: ours is JSON.
      requireHostHeader: false,
      connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_MS, limits.headersTimeoutMs),
    },
    onRequest,
  );
  // Node answers `Expect: 100-continue` at once unless someone listens here: invite the body only
  // when a route reads it, so a request refused before (auth, limits, size) never sends it.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    continueOnFirstRead(req, res);
    onRequest(req, res);
  });
  // HTTP lets a client half-close after sending its request (Node's default drops the request).
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  if (limits.maxConnections > 0) server.maxConnections = limits.maxConnections;
  server.timeout = limits.bodyIdleTimeoutMs;

  // Silence on a socket. A request that stopped arriving (headers or body) is cut with a 408; an
  // answer being worked on is left alone; a connection idle between requests (Node then runs
  // the keep-alive timer instead of ours) or that never sent a byte is closed.
  server.on('timeout', (socket: Socket) => {
    const res = inFlight(socket);
    if (res === null) {
      const midRequest = socket.timeout === limits.bodyIdleTimeoutMs && socket.bytesRead > 0;
      return midRequest ? closeWith(socket, requestTimeout()) : socket.destroy();
    }
    if (res.req.complete) return;
    if (res.headersSent) return socket.destroy();
    closeWith(socket, requestTimeout());
  });

  const failed = new WeakSet<Socket>();
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (failed.has(socket)) return;
    failed.add(socket);
    // The client went away mid-request: nobody to answer, and not a server error. A request
    // whose headers arrived is counted (once) by its route, which sees its body cut short.
    if (err.code === 'ECONNRESET' || err.code === 'HPE_INVALID_EOF_STATE' || !socket.writable) {
      if (err.code === 'HPE_INVALID_EOF_STATE' && inFlight(socket) === null) count(clientClosed().status);
      return socket.destroy();
    }
    const error = clientErrorOf(err.code);
    const res = inFlight(socket);
    // Requests received whole before the error are answered first; a request cut short by the
    // error (or a timeout) gets the error as its answer, unless its own has already begun.
    if (res === null || !res.req.complete) {
      if (res?.headersSent) return socket.destroy();
      return closeWith(socket, error);
    }
    socket.pause();
    const limit = setTimeout(() => socket.destroy(), PENDING_ANSWER_LIMIT_MS).unref();
    whenAnswered(socket, () => {
      clearTimeout(limit);
      closeWith(socket, error);
    });
  });
  return server;
}
