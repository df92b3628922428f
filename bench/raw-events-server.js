// The baseline of `npm run bench -- --events`: a bare node:http server that reads each POST body
// and answers a fixed 202 with adsm's headers, doing no parsing, validation or storing: the
// ceiling for any Node HTTP server taking the same requests. Env: PORT, HOST.
import { Buffer } from 'node:buffer';
import http from 'node:http';
import process from 'node:process';
import { answer, answeredProbe, jsonHeaders } from './raw-answer.js';

const body = Buffer.from('{"accepted":1,"rejected":[]}');
const headers = jsonHeaders(body.length);
const server = http.createServer((req, res) => {
  if (answeredProbe(req, res)) return;
  req.on('data', () => undefined);
  req.on('end', () => answer(res, 202, headers, body));
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 3001), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
