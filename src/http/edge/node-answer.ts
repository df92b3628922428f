import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * The headers every answer the edge writes itself carries (the hono app adds the same ones in
 * its middleware): its JSON type and length, `nosniff`, the request id, and `Cache-Control:
 * no-store` unless it may be cached (the public query). `body` undefined: no body (204, 302).
 */
export function answerHeaders(
  body: string | undefined,
  requestId: string,
  cacheable: boolean,
): Record<string, string | number> {
  const headers: Record<string, string | number> = {
    'content-length': body === undefined ? 0 : Buffer.byteLength(body),
    'x-content-type-options': 'nosniff',
    'x-request-id': requestId,
  };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (!cacheable) headers['cache-control'] = 'no-store';
  return headers;
}

/** A whole answer written on bare node:http with `answerHeaders` and `extra`. */
export function writeAnswer(
  res: ServerResponse,
  status: number,
  body: string | undefined,
  requestId: string,
  cacheable: boolean,
  extra?: Readonly<OutgoingHttpHeaders>,
): void {
  const headers = answerHeaders(body, requestId, cacheable);
  res.writeHead(status, extra === undefined ? headers : Object.assign(headers, extra));
  res.end(body);
}
