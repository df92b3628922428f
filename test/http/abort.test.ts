import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metrics } from '../../src/http/ops/metrics.js';
import { rawConnect } from '../support/raw-http.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/** A client that disconnects mid-body is not a server error. */

let t: TestApp;
let port: number;
let metrics: Metrics;
const lines: { level: number; msg: string }[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
      done();
    },
  });
  t = await createTestApp({ logger: pino({ level: 'info' }, sink) });
  metrics = t.metrics;
  port = await t.listen();
});
afterAll(async () => {
  await t.close();
});

describe('a client that disconnects mid-body', () => {
  it('is counted as 499, not 500, and logged below error level', async () => {
    for (const method of ['POST /api/v1/ad', 'PUT /api/v1/ad/some-id']) {
      const socket = await rawConnect(port);
      socket.write(
        `${method} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"title":`,
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      socket.destroy();
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    const text = await metrics.registry.metrics();
    const requests = text.split('\n').filter((l) => l.startsWith('http_requests_total{'));
    expect(requests.filter((l) => l.includes('status="499"')).length, requests.join('\n')).toBeGreaterThan(0);
    expect(requests.filter((l) => /status="(5\d\d|400)"/.test(l))).toEqual([]);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  });
});
