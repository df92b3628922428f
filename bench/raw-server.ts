/**
 * The baseline: a bare node:http server that answers every request with the same bytes, a page
 * captured from adsm (RAW_BODY_FILE) with adsm's own headers (RAW_HEADERS, a JSON object). It does
 * no routing, parsing or lookup, so it is the ceiling for any Node HTTP server on this machine.
 * Env: PORT, HOST (default 127.0.0.1), WORKERS (node:cluster processes, default 1).
 */
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import http from 'node:http';

const port = Number(process.env.PORT ?? 3001);
const host = process.env.HOST ?? '127.0.0.1';
const workers = Math.max(1, Number(process.env.WORKERS ?? 1));
const body = process.env.RAW_BODY_FILE
  ? readFileSync(process.env.RAW_BODY_FILE)
  : Buffer.from('{"items":[]}');
const extra = JSON.parse(process.env.RAW_HEADERS ?? '{}') as Record<string, string>;
const headers: Record<string, string | number> = {
  'content-type': 'application/json',
  ...extra,
  'content-length': body.length,
};

if (workers > 1 && cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  const stop = () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    setTimeout(() => process.exit(0), 2_000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  cluster.on('exit', () => {
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  });
} else {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, headers);
    res.end(body);
  });
  server.keepAliveTimeout = 65_000;
  server.listen(port, host);
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 2_000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
