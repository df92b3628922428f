/**
 * Two promises of the edge that hold whatever route answers (a fast node:http route or hono),
 * because they live in the response and request objects every route is handed:
 *
 * - **An answer given before the request's body has arrived whole ends the connection.** It
 *   says `Connection: close`, and Node then closes the socket as soon as the answer is written
 *   instead of reading the rest of the body to keep the connection: a refused 100 GB upload
 *   costs its headers and a socket buffer, not its body.
 * - **`100 Continue` is sent only when the body is first read.** A request with
 *   `Expect: 100-continue` that a route refuses before reading its body (readiness, auth, a
 *   spent budget, a declared size over the limit) gets its refusal alone and never sends its body.
 */
import {
  ServerResponse,
  type IncomingMessage,
  type OutgoingHttpHeader,
  type OutgoingHttpHeaders,
} from 'node:http';

type Headers = OutgoingHttpHeaders | OutgoingHttpHeader[];

const CONTENT_LENGTH = 'content-length';
const TRANSFER_ENCODING = 'transfer-encoding';

/** Whether a request announces a body (`Content-Length` other than 0, or `Transfer-Encoding`). */
export function announcesBody(raw: readonly string[]): boolean {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === CONTENT_LENGTH.length && name.toLowerCase() === CONTENT_LENGTH) {
      if (raw[i + 1]!.trim() !== '0') return true;
    } else if (name.length === TRANSFER_ENCODING.length && name.toLowerCase() === TRANSFER_ENCODING) {
      return true;
    }
  }
  return false;
}

/**
 * Node calls `_read` when something first wants the body (a `data` listener, `resume()`,
 * `read()`, a pipe): the moment to invite it. Node's own automatic `100 Continue` is off as soon
 * as the server listens to `checkContinue`, which `createHttpServer` does.
 */
export function continueOnFirstRead(req: IncomingMessage, res: ServerResponse): void {
  const read = req._read.bind(req);
  req._read = (size: number) => {
    req._read = read;
    if (!res.headersSent && !res.writableEnded) res.writeContinue();
    read(size);
  };
}

/** The response class of the edge's server (`createServer({ ServerResponse: EdgeResponse })`). */
export class EdgeResponse<Req extends IncomingMessage = IncomingMessage> extends ServerResponse<Req> {
  override writeHead(statusCode: number, statusMessage?: string, headers?: Headers): this;
  override writeHead(statusCode: number, headers?: Headers): this;
  override writeHead(statusCode: number, message?: string | Headers, headers?: Headers): this {
    const req = this.req;
    if (!req.complete && announcesBody(req.rawHeaders)) {
      // Merged with the headers given to writeHead; Node then ends the connection after this answer.
      this.setHeader('Connection', 'close');
    }
    return typeof message === 'object'
      ? super.writeHead(statusCode, message)
      : super.writeHead(statusCode, message, headers);
  }
}
