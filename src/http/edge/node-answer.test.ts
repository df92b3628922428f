import { createServer, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { setAnswerBatching, writeAnswer } from './node-answer.js';

/** A server whose handler `answer` decides what to do with each response. */
async function serve(answer: (res: ServerResponse) => void): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => answer(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function get(port: number): Promise<{ status: number; body: string; id: string | undefined }> {
  return new Promise((resolve, reject) => {
    request({ port, host: '127.0.0.1', path: '/' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, body, id: res.headers['x-request-id'] as string | undefined }),
      );
    })
      .on('error', reject)
      .end();
  });
}

const turnEnded = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('answers written on bare node:http', () => {
  let server: Server | undefined;
  afterEach(async () => {
    setAnswerBatching(true);
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it('wait for the end of their loop turn when batching (the default), then go out whole', async () => {
    const seen: boolean[] = [];
    const written: Promise<void>[] = [];
    ({ server } = await serve((res) => {
      writeAnswer(res, 200, '{"ok":true}', 'id-1', false);
      seen.push(res.headersSent);
      written.push(turnEnded().then(() => void seen.push(res.headersSent)));
    }));
    const answer = await get((server.address() as AddressInfo).port);
    await Promise.all(written);
    expect(seen).toEqual([false, true]);
    expect(answer).toEqual({ status: 200, body: '{"ok":true}', id: 'id-1' });
  });

  it('go out at once with ANSWER_BATCHING=0', async () => {
    setAnswerBatching(false);
    const seen: boolean[] = [];
    ({ server } = await serve((res) => {
      writeAnswer(res, 201, '{}', 'id-2', false);
      seen.push(res.headersSent);
    }));
    const answer = await get((server.address() as AddressInfo).port);
    expect(seen).toEqual([true]);
    expect(answer).toEqual({ status: 201, body: '{}', id: 'id-2' });
  });

  it('skip a client gone while its answer waited, and the others still go out', async () => {
    let n = 0;
    const skipped: boolean[] = [];
    ({ server } = await serve((res) => {
      writeAnswer(res, 200, `{"n":${++n}}`, `id-${n}`, false);
      if (n === 1) {
        res.destroy();
        void turnEnded().then(() => skipped.push(res.headersSent));
      }
    }));
    const port = (server.address() as AddressInfo).port;
    await expect(get(port)).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(await get(port)).toEqual({ status: 200, body: '{"n":2}', id: 'id-2' });
    expect(skipped).toEqual([false]);
  });
});
