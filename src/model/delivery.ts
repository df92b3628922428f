/**
 * Delivery settings and creative of an ad: how decisions choose it (priority, weight), what limits
 * its serving (goals, pacing, frequency caps), and what a platform renders. Plain values; the
 * HTTP layer validates them, the core only reads them.
 */

export const PACINGS = ['asap', 'even'] as const;
export type Pacing = (typeof PACINGS)[number];

/** Each goal is a count, or `null` for none. */
export interface Goals {
  /** Served decisions over the ad's life. */
  readonly impressions: number | null;
  /** Counted clicks over the ad's life. */
  readonly clicks: number | null;
  /** Served decisions per UTC day. */
  readonly dailyImpressions: number | null;
  /** Counted clicks per UTC day. */
  readonly dailyClicks: number | null;
}

/** At most `impressions` decisions of the ad for one user key in any window of `seconds`. */
export interface FrequencyCap {
  readonly impressions: number;
  readonly seconds: number;
}

export interface DeliverySettings {
  /** 1..100; lower numbers are chosen first. */
  readonly priority: number;
  /** 1..1000; the chance within one priority is weight / sum of weights. */
  readonly weight: number;
  readonly goals: Goals;
  readonly pacing: Pacing;
  readonly frequencyCaps: readonly FrequencyCap[];
}

/** What a platform renders and where a click leads; shown as sent. */
export interface Creative {
  readonly landingUrl: string | null;
  readonly data: Readonly<Record<string, unknown>> | null;
}

export const DELIVERY_LIMITS = {
  priority: { min: 1, max: 100, default: 50 },
  weight: { min: 1, max: 1000, default: 1 },
  goal: { min: 1, max: 1e12 },
  caps: { max: 4 },
  capImpressions: { min: 1, max: 1000 },
  capSeconds: { min: 60, max: 7_776_000 },
  landingUrlChars: 2048,
  dataBytes: 4096,
} as const;

export const NO_GOALS: Goals = Object.freeze({
  impressions: null,
  clicks: null,
  dailyImpressions: null,
  dailyClicks: null,
});

export const DEFAULT_DELIVERY: DeliverySettings = Object.freeze({
  priority: DELIVERY_LIMITS.priority.default,
  weight: DELIVERY_LIMITS.weight.default,
  goals: NO_GOALS,
  pacing: 'asap',
  frequencyCaps: Object.freeze([]),
});

/** The longest window of an ad's caps in ms (0 when it has none). */
export function longestCapMs(delivery: DeliverySettings): number {
  let ms = 0;
  for (const cap of delivery.frequencyCaps) ms = Math.max(ms, cap.seconds * 1000);
  return ms;
}
