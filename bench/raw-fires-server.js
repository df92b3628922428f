// The baseline of `npm run bench -- --fires`: a bare node:http server answering every GET with
// adsm's 204 and headers, checking, spooling and counting nothing: the ceiling for any Node HTTP
// server taking the same requests. Env: PORT, HOST.
import http from 'node:http';
import process from 'node:process';
import { answer } from './raw-answer.js';

const headers = {
  'content-length': 0,
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'x-request-id': '00000000-0000-4000-8000-000000000000',
};
const server = http.createServer((req, res) => {
  if (req.url === '/readyz') {
    res.writeHead(200, { 'content-length': 0 });
    res.end();
    return;
  }
  req.resume();
  answer(res, 204, headers);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 3001), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
