import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { FireRecord } from '../tracking/fires.js';
import { createFireMetrics } from './fire-metrics.js';

const impression = (n: number): FireRecord => ({
  type: 0,
  adId: 'a',
  at: 0,
  signer: 1,
  hour: 0,
  n,
  expiresAt: 1,
});

describe('fire metrics', () => {
  it('shows every kind and outcome at 0 before any fire, so a replica without duplicates says 0', async () => {
    const registry = new Registry();
    createFireMetrics(registry);
    const text = await registry.metrics();
    for (const kind of ['impression', 'click'])
      for (const outcome of ['counted', 'duplicate', 'expired'])
        expect(text).toContain(`adsm_tracking_fires_total{kind="${kind}",outcome="${outcome}"} 0`);
    expect(text).toContain('adsm_tracking_fires_total{kind="unknown",outcome="invalid"} 0');
  });

  it('counts a settled duplicate under its kind', async () => {
    const registry = new Registry();
    const metrics = createFireMetrics(registry);
    metrics.onFiresSettled([impression(1), impression(1)], [true, false]);
    const text = await registry.metrics();
    expect(text).toContain('adsm_tracking_fires_total{kind="impression",outcome="duplicate"} 1');
    expect(text).toContain('adsm_tracking_fires_total{kind="impression",outcome="counted"} 1');
  });
});
