import { GENDERS, PLATFORMS, type Gender, type Platform } from '../model/ad.js';
import {
  DEFAULT_DELIVERY,
  DELIVERY_LIMITS,
  PACINGS,
  type DeliverySettings,
  type Pacing,
} from '../model/delivery.js';

/**
 * What the console's pickers offer, from the same lists the API validates against: the page
 * carries it as a JSON block, so the browser code holds no copy of any list.
 */
export interface Vocabulary {
  /** Assigned alpha-2 codes with their common English name (`TW`, `Taiwan`), sorted by name. */
  readonly countries: ReadonlyArray<readonly [code: string, name: string]>;
  readonly genders: ReadonlyArray<readonly [value: Gender, label: string]>;
  readonly platforms: ReadonlyArray<readonly [value: Platform, label: string]>;
  /** The delivery settings' bounds and defaults, and the pacing modes. */
  readonly delivery: {
    readonly limits: typeof DELIVERY_LIMITS;
    readonly defaults: DeliverySettings;
    readonly pacings: ReadonlyArray<readonly [value: Pacing, label: string]>;
  };
}

/** A label for every value of the model's lists: a value added there fails the type check here until named. */
const GENDER_LABELS: Readonly<Record<Gender, string>> = { F: 'Female', M: 'Male' };
const PLATFORM_LABELS: Readonly<Record<Platform, string>> = { android: 'Android', ios: 'iOS', web: 'Web' };
const PACING_LABELS: Readonly<Record<Pacing, string>> = {
  asap: 'As soon as possible',
  even: 'Evenly over the period',
};

/** The name people use (CLDR's: "Taiwan", "South Korea"), not the ISO official one. */
const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });

export function vocabulary(countryCodes: ReadonlySet<string>): Vocabulary {
  return {
    countries: [...countryCodes]
      .map((code) => [code, regionNames.of(code) ?? code] as const)
      .sort((a, b) => a[1].localeCompare(b[1], 'en')),
    genders: GENDERS.map((g) => [g, GENDER_LABELS[g]] as const),
    platforms: PLATFORMS.map((p) => [p, PLATFORM_LABELS[p]] as const),
    delivery: {
      limits: DELIVERY_LIMITS,
      defaults: DEFAULT_DELIVERY,
      pacings: PACINGS.map((p) => [p, PACING_LABELS[p]] as const),
    },
  };
}
