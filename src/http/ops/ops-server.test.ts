import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';
import { createOpsServer } from './ops-server.js';
import type { AdsService } from '../../service/ads-service.js';

const service = {
  isReady: () => true,
  now: () => 0,
  stats: () => ({
    appliedSeq: 3,
    knownHeadSeq: 3,
    liveAds: 0,
    activeAds: 0,
    lastAppliedAt: 0,
    storeAvailable: true,
  }),
} as unknown as AdsService;

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function serve(ready: () => boolean, started = true): Promise<string> {
  const metrics = createMetrics(service, { defaultMetrics: false });
  const server = createOpsServer({ metrics: () => (started ? metrics : undefined), ready });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () => new Promise((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the operators’ port', () => {
  it('answers health, readiness and metrics, and nothing else', async () => {
    let ready = false;
    const url = await serve(() => ready);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    ready = true;
    expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ status: 'ready' });
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^adsm_applied_seq 3$/m);
    expect((await fetch(`${url}/api/v1/ad`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('answers while the replica is still being assembled: alive, not ready, no metrics yet', async () => {
    const url = await serve(() => false, false);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    expect((await fetch(`${url}/metrics`)).status).toBe(503);
  });
});
