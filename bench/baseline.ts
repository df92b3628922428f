/**
 * Captures the page the raw node:http baseline serves: a real adsm answer to a query of the mix,
 * the one closest to `targetBytes` (default 300), with adsm's response headers (minus the per-connection ones).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRng, seedQueryMix } from './dataset.js';
import { createHttpClient } from './http-client.js';
import { queryPath } from './reference-check.js';

export const BASELINE_BYTES = 300;

const PER_CONNECTION = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);

export interface Baseline {
  readonly path: string;
  readonly bytes: number;
  readonly bodyFile: string;
  readonly headers: Record<string, string>;
}

export async function captureBaseline(
  baseUrl: string,
  dir: string,
  targetBytes = BASELINE_BYTES,
): Promise<Baseline> {
  const client = createHttpClient(baseUrl, 1);
  let best: { path: string; body: string; headers: Record<string, string> } | undefined;
  try {
    for (const q of seedQueryMix(200, createRng(99))) {
      const path = queryPath(q);
      const res = await client.request('GET', path);
      if (res.status !== 200) continue;
      const bytes = Buffer.byteLength(res.body);
      if (best && Math.abs(bytes - targetBytes) >= Math.abs(Buffer.byteLength(best.body) - targetBytes))
        continue;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) {
        if (!PER_CONNECTION.has(k) && typeof v === 'string') headers[k] = v;
      }
      best = { path, body: res.body, headers };
    }
  } finally {
    client.close();
  }
  if (!best) throw new Error('could not capture a baseline page: no query of the mix answered 200');
  const bodyFile = join(dir, 'baseline-page.json');
  writeFileSync(bodyFile, best.body);
  return { path: best.path, bytes: Buffer.byteLength(best.body), bodyFile, headers: best.headers };
}
