import { connect, type Socket } from 'node:net';

/** Raw HTTP/1.x over a socket, for what a well-behaved client library cannot send. */

export interface RawAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface RawExchange {
  readonly answers: RawAnswer[];
  /** True when the server closed the connection (rather than the wait running out). */
  readonly closed: boolean;
  readonly ms: number;
  readonly raw: string;
}

export function rawConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Everything the server sends on `socket` until it closes it, or `waitMs` passes. */
export function collect(socket: Socket, waitMs = 5_000): Promise<RawExchange> {
  const started = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const raw = Buffer.concat(chunks).toString('latin1');
      resolve({ answers: parseAnswers(raw), closed, ms: performance.now() - started, raw });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
  });
}

/** Writes `data` in one write and collects what comes back. */
export async function exchange(port: number, data: string | Buffer, waitMs?: number): Promise<RawExchange> {
  const socket = await rawConnect(port);
  const result = collect(socket, waitMs);
  socket.write(data);
  return result;
}

/** Writes `data` one byte every `everyMs` (as long as the socket is open) and collects the answer. */
export async function trickle(
  port: number,
  data: string,
  everyMs: number,
  waitMs: number,
): Promise<RawExchange> {
  const socket = await rawConnect(port);
  const result = collect(socket, waitMs);
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= data.length) return clearInterval(timer);
    socket.write(data[i++]!);
  }, everyMs);
  return result.finally(() => clearInterval(timer));
}

/** Splits a stream of HTTP/1.1 answers (Content-Length or chunked bodies). */
export function parseAnswers(raw: string): RawAnswer[] {
  const answers: RawAnswer[] = [];
  let at = 0;
  while (at < raw.length) {
    const end = raw.indexOf('\r\n\r\n', at);
    if (end === -1) break;
    const [statusLine = '', ...lines] = raw.slice(at, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    at = end + 4;
    let body = '';
    if (headers['transfer-encoding'] === 'chunked') {
      for (;;) {
        const lineEnd = raw.indexOf('\r\n', at);
        if (lineEnd === -1) break;
        const size = parseInt(raw.slice(at, lineEnd), 16);
        at = lineEnd + 2;
        if (!(size > 0)) {
          at += 2;
          break;
        }
        body += raw.slice(at, at + size);
        at += size + 2;
      }
    } else {
      const length = Number(headers['content-length'] ?? 0);
      body = raw.slice(at, at + length);
      at += length;
    }
    answers.push({
      status: Number(statusLine.split(' ')[1]),
      headers,
      body: Buffer.from(body, 'latin1').toString(),
    });
  }
  return answers;
}
