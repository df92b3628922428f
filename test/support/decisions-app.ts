import type { Server } from 'node:http';
import type { ManualClock } from '../../src/clock/clock.js';
import { seededRandom, type Random } from '../../src/delivery/choice.js';
import type { FrequencyCapStore } from '../../src/delivery/frequency-caps.js';
import type { AdInput } from '../../src/model/ad.js';
import type { DeliverySettings } from '../../src/model/delivery.js';
import { DEFAULT_DELIVERY } from '../../src/model/delivery.js';
import type { AdsService } from '../../src/service/ads-service.js';
import { createTestApp, type TestApp, type TestAppOptions } from './test-app.js';

export const TRACKING_TEST_SECRET = 'a-test-secret-of-at-least-thirty-two-chars';

export interface DecisionsAppOptions extends TestAppOptions {
  eventsToken?: string;
  caps?: FrequencyCapStore;
  /** Seed of the draw (default 1). */
  seed?: number;
  random?: Random;
}

export interface DecisionsApp {
  readonly t: TestApp;
  readonly url: string;
  readonly clock: ManualClock;
  readonly service: AdsService;
  readonly server: Server;
  /** Creates an ad through the service; answers its id. */
  createAd(
    over?: Partial<Omit<AdInput, 'delivery'>> & { delivery?: Partial<DeliverySettings> },
  ): Promise<string>;
  decide(body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** The chosen ad ids of a 200 decision. */
  chosen(body: unknown): Promise<string[]>;
  metricsText(): Promise<string>;
  close(): Promise<void>;
}

/** The production composition of a replica on a random port, manual clock, seeded draw. */
export async function startDecisionsApp(opts: DecisionsAppOptions = {}): Promise<DecisionsApp> {
  const t = await createTestApp({
    ...opts,
    frequencyCaps: opts.caps,
    random: opts.random ?? seededRandom(opts.seed ?? 1),
    config: { TRACKING_SECRET: TRACKING_TEST_SECRET, EVENTS_TOKEN: opts.eventsToken, ...opts.config },
  });
  const { metrics, server } = t;
  const url = `http://127.0.0.1:${await t.listen()}`;
  const decide = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}/api/v1/decisions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return {
    t,
    url,
    clock: t.clock,
    service: t.service,
    server,
    async createAd(over = {}) {
      const now = t.clock.now();
      const { ad } = await t.service.create({
        title: 'AD',
        startAt: now - 3_600_000,
        endAt: now + 86_400_000,
        conditions: [],
        ...over,
        delivery: { ...DEFAULT_DELIVERY, ...over.delivery },
      });
      return ad.id;
    },
    decide,
    async chosen(body) {
      const res = await decide(body);
      const text = await res.text();
      if (res.status !== 200) throw new Error(`decision answered ${res.status}: ${text}`);
      return (JSON.parse(text) as { decisions: { adId: string }[] }).decisions.map((d) => d.adId);
    },
    metricsText: () => metrics.registry.metrics(),
    close: () => t.close(),
  };
}
