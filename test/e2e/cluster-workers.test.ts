import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adBody, type Server } from './process.js';
import { Cluster } from './cluster.js';

const cluster = new Cluster(8);
let server: Server;

beforeAll(async () => {
  await cluster.setup();
  // Replicas hear of each other's writes only 500 ms late: visibility must not depend on it.
  server = await cluster.start({
    env: { WORKERS: '2', ADSM_FAILPOINT: 'slow-log', POLL_INTERVAL_MS: '5000' },
  });
});
afterAll(() => cluster.teardown());

/** One request on its own connection, so node:cluster may hand it to either worker. */
function once(method: string, path: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        method,
        path,
        agent: false,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe('WORKERS=2 behind one port', () => {
  it('a write is visible to the next request on any worker (read-your-writes per host)', async () => {
    await new Promise((r) => setTimeout(r, 1000)); // let the second worker finish recovering
    for (let i = 0; i < 40; i++) {
      const created = await once('POST', '/api/v1/ad', adBody(i));
      expect(created.status).toBe(201);
      const { id } = JSON.parse(created.body) as { id: string };
      // Connections alternate between the workers: two in a row reach both.
      for (let k = 0; k < 2; k++) {
        const page = await once('GET', '/api/v1/ad?limit=100');
        expect(page.body).toContain(id);
      }
    }
  });

  it('SIGTERM stops the primary and its workers cleanly', async () => {
    expect(await server.stop('SIGTERM')).toBe(0);
  });
});
