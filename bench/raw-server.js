// The baseline of `npm run bench`: a bare node:http server answering every path of a list with
// the bytes adsm answered to it, prepared as Buffers, with adsm's headers (a file written by the
// benchmark: RAW_PAGES = {"headers": {...}, "pages": {"/api/v1/ad?...": "{...}"}}). It does no
// parsing, querying or rendering: the ceiling for any Node HTTP server answering the same bytes.
// Plain JavaScript, so node runs it with no loader in the process. Env: PORT, HOST, WORKERS.
import { Buffer } from 'node:buffer';
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import process from 'node:process';
import { answer as answerLater } from './raw-answer.js';
import { setTimeout } from 'node:timers';

const { headers, pages } = JSON.parse(readFileSync(process.env.RAW_PAGES ?? '', 'utf8'));
const answers = new Map(
  Object.entries(pages).map(([path, body]) => {
    const bytes = Buffer.from(body);
    return [path, { bytes, headers: { ...headers, 'content-length': bytes.length } }];
  }),
);
const workers = Number(process.env.WORKERS ?? 1);

if (workers > 1 && cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    setTimeout(() => process.exit(0), 1_000).unref();
  });
} else {
  const server = http.createServer((req, res) => {
    const found = answers.get(req.url);
    if (found === undefined) {
      res.writeHead(req.url === '/readyz' ? 200 : 404, { 'content-length': 0 });
      res.end();
      return;
    }
    answerLater(res, 200, found.headers, found.bytes);
  });
  server.keepAliveTimeout = 65_000;
  server.listen(Number(process.env.PORT ?? 3001), process.env.HOST ?? '127.0.0.1');
  process.on('SIGTERM', () => process.exit(0));
}
