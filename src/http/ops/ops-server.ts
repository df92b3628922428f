import { createServer, type Server } from 'node:http';
import type { Metrics } from './metrics.js';

/**
 * The operators' port (`METRICS_PORT`): `GET /healthz`, `/readyz` and `/metrics` on their own
 * listener, for probes and Prometheus, kept off the public port. It listens from start-up, before
 * the replica is ready, so a probe sees 503 during recovery rather than a refused connection, and
 * `/healthz` answers 200 whenever the process runs. Anything else is a 404; no auth.
 */
export interface OpsServerDeps {
  /** The replica's metrics; undefined while it is still being assembled (`/metrics` is then a 503). */
  readonly metrics: () => Metrics | undefined;
  /** What `/readyz` answers: true for 200. */
  readonly ready: () => boolean;
}

const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' };

export function createOpsServer({ metrics, ready }: OpsServerDeps): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: string, headers: Record<string, string> = JSON_HEADERS) => {
      res.writeHead(status, headers);
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(405, JSON.stringify({ error: { code: 'method_not_allowed', message: 'use GET' } }));
    }
    if (path === '/healthz') return send(200, JSON.stringify({ status: 'ok' }));
    if (path === '/readyz') {
      return ready()
        ? send(200, JSON.stringify({ status: 'ready' }))
        : send(503, JSON.stringify({ error: { code: 'not_ready', message: 'not ready' } }));
    }
    if (path === '/metrics') {
      const registry = metrics()?.registry;
      if (!registry) return send(503, JSON.stringify({ error: { code: 'not_ready', message: 'starting' } }));
      registry.metrics().then(
        (text) => send(200, text, { 'content-type': registry.contentType }),
        () => send(500, JSON.stringify({ error: { code: 'internal', message: 'metrics failed' } })),
      );
      return;
    }
    send(404, JSON.stringify({ error: { code: 'not_found', message: `no route ${path}` } }));
  });
}
