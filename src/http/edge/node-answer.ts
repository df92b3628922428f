import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * A whole answer written on bare node:http, with the headers every answer of the edge carries
 * (the hono app adds the same ones in its middleware): its JSON type and length, `nosniff`, the
 * request id, and `Cache-Control: no-store` unless it may be cached (the public query).
 * `body` undefined: an answer without a body (204, 302).
 */
export function writeAnswer(
  res: ServerResponse,
  status: number,
  body: string | undefined,
  requestId: string,
  cacheable: boolean,
  extra?: Readonly<OutgoingHttpHeaders>,
): void {
  const headers: OutgoingHttpHeaders = {
    'content-length': body === undefined ? 0 : Buffer.byteLength(body),
    'x-content-type-options': 'nosniff',
    'x-request-id': requestId,
  };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (!cacheable) headers['cache-control'] = 'no-store';
  res.writeHead(status, extra === undefined ? headers : Object.assign(headers, extra));
  res.end(body);
}
