// The third baseline of `npm run bench -- --decisions`: a bare node:http server that reads each
// POST body whole, JSON.parse's it (a decision must parse its body too, so the ceiling does the
// same) and answers 200 with fixed bytes, a real decision answer of adsm's, with adsm's headers.
// No validation, index, caps or choosing: the ceiling for any Node HTTP server taking the same
// requests. A body that is not JSON gets a 400. Env: PORT, HOST, ANSWER_FILE (the answer's bytes).
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import process from 'node:process';
import { answer, answeredProbe, jsonHeaders } from './raw-answer.js';

const body = readFileSync(process.env.ANSWER_FILE ?? '');
const headers = jsonHeaders(body.length);
const server = http.createServer((req, res) => {
  if (answeredProbe(req, res)) return;
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-length': 0 });
      res.end();
      return;
    }
    answer(res, 200, headers, body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 3001), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
