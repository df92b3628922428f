// How every raw baseline writes its answers: the way adsm does by default (ANSWER_BATCHING), the
// answers given in one turn of the event loop written together when it ends, so that a baseline
// stays the ceiling for a server writing the same way. RAW_ANSWER_BATCHING=0 in the benchmark's
// environment makes the baselines write each answer at once.
import process from 'node:process';
import { setImmediate } from 'node:timers';

const batching = (process.env.RAW_ANSWER_BATCHING ?? '1') !== '0';
let held = [];

function writeHeld() {
  const due = held;
  held = [];
  for (const [res, status, headers, body] of due) {
    if (res.destroyed) continue;
    res.writeHead(status, headers);
    res.end(body);
  }
}

/** Writes `status`, `headers` and `body` (optional) now, or with the rest of this loop turn. */
export function answer(res, status, headers, body) {
  if (!batching) {
    res.writeHead(status, headers);
    res.end(body);
    return;
  }
  if (held.length === 0) setImmediate(writeHeld);
  held.push([res, status, headers, body]);
}

/** adsm's headers of a JSON answer that may not be cached, for `length` bytes of body. */
export function jsonHeaders(length) {
  return {
    'content-type': 'application/json',
    'content-length': length,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    'x-request-id': '00000000-0000-4000-8000-000000000000',
  };
}

/** Answers a GET (the benchmark's readiness probe) with an empty 200; true when it did. */
export function answeredProbe(req, res) {
  if (req.method === 'POST') return false;
  res.writeHead(200, { 'content-length': 0 });
  res.end();
  return true;
}
