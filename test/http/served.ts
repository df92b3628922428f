import { request } from 'node:http';
import { afterAll, beforeAll } from 'vitest';
import { setup, type Client } from './helpers.js';

export interface SocketAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/**
 * The test app behind its production node:http server for the file's tests (bodies then arrive as
 * streams, chunked or not): `client()` is the app, `send` writes a request's body chunk by chunk.
 */
export function servedOverHttp() {
  let client: Client;
  let port: number;

  beforeAll(async () => {
    client = await setup();
    port = await client.t.listen();
  });

  afterAll(async () => {
    await client.t.close();
  });

  return {
    client: () => client,
    send: (method: string, path: string, chunks: string[], headers: Record<string, string>) =>
      new Promise<SocketAnswer>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body += d));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), body }),
          );
        });
        req.on('error', reject);
        for (const c of chunks) req.write(c);
        req.end();
      }),
  };
}
