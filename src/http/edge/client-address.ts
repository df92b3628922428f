import type { IncomingMessage } from 'node:http';

/**
 * The address of the client a request came from, as every per-address limit keys it (the 401
 * throttle, the events rate limit).
 */
export type ClientAddress = (req: Pick<IncomingMessage, 'socket' | 'rawHeaders'>) => string;

/** The socket's peer. */
export const socketAddress: ClientAddress = (req) => req.socket.remoteAddress ?? 'unknown';
