import { Gauge, type Registry } from 'prom-client';
import type { SyncedClock } from './synced-clock.js';

/** `adsm_clock_offset_seconds` and `adsm_clock_sample_age_seconds`, registered in `registry`. */
export function registerClockMetrics(
  registry: Registry,
  clock: Pick<SyncedClock, 'wallOffsetMs' | 'sampleAgeMs'>,
): void {
  new Gauge({
    name: 'adsm_clock_offset_seconds',
    help: "The store's clock minus this host's wall clock at the last sample (a replica reads time as the store's, whatever its own clock says).",
    registers: [registry],
    collect() {
      this.set(clock.wallOffsetMs() / 1000);
    },
  });
  new Gauge({
    name: 'adsm_clock_sample_age_seconds',
    help: "Seconds since the offset to the store's clock was last sampled (-1 before the first sample).",
    registers: [registry],
    collect() {
      const age = clock.sampleAgeMs();
      this.set(Number.isFinite(age) ? age / 1000 : -1);
    },
  });
}
