/**
 * The admin API's JSON as the console reads it (see the contract): types only, for the type
 * check of the browser modules, which import them in JSDoc.
 */
import type { ConditionSet } from '../model/ad.js';
import type { DeliverySettings, FrequencyCap as ModelCap, Goals as ModelGoals } from '../model/delivery.js';
import type { Vocabulary } from './vocabulary.js';

export type { ConditionSet, Gender, Platform } from '../model/ad.js';
export type { Vocabulary };

/** A condition set as the console sends it (lists mutable while being built). */
export type ConditionSetJson = { -readonly [K in keyof ConditionSet]?: ConditionSet[K] };

export type AdStatus = 'scheduled' | 'active' | 'completed' | 'expired';

/** A mutable copy of `T`, as the console builds it before sending. */
type Sent<T> = { -readonly [K in keyof T]: T[K] };

export type Goals = Sent<ModelGoals>;
export type FrequencyCap = Sent<ModelCap>;
export interface Delivery extends Sent<Omit<DeliverySettings, 'goals' | 'frequencyCaps'>> {
  goals: Goals;
  frequencyCaps: FrequencyCap[];
}
export interface Creative {
  landingUrl: string | null;
  data: Record<string, unknown> | null;
}

/** What a create or replace sends. */
export interface AdBody {
  title: string;
  startAt: string;
  endAt: string;
  conditions: ConditionSetJson[];
  delivery?: Delivery | null;
  creative?: Creative | null;
}

export interface AdJson {
  id: string;
  title: string;
  startAt: string;
  endAt: string;
  conditions: ConditionSetJson[];
  delivery: Delivery;
  creative: Creative | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  status: AdStatus;
}

export interface AdPage {
  items: AdJson[];
  nextCursor: string | null;
}

export interface PublicItem {
  id: string;
  title: string;
  endAt: string;
}

export interface PublicPage {
  items: PublicItem[];
}

export type Window5 = '5m' | '1h' | '1d' | '2d' | '3d';

export interface Stats {
  id: string;
  asOf: string;
  impressions: Record<Window5, number>;
  clicks: Record<Window5, number>;
  ctr: Record<Window5, number | null>;
  last: { impression: string | null; click: string | null };
}

export interface StatsHistory {
  id: string;
  by: 'hour' | 'day';
  items: Array<{ start: string; impressions: number; clicks: number }>;
}

export interface ErrorDetail {
  path: string;
  message: string;
}

export interface ErrorBody {
  error: { code: string; message: string; details?: ErrorDetail[] };
}

/** `/admin/cluster.json`. */
export interface ClusterView {
  ready: boolean;
  appliedSeq: number;
  knownHeadSeq: number;
  lagEntries: number;
  lagSeconds: number;
  liveAds: number;
  activeAds: number;
  snapshot: { seq: number; takenAt: string; ageSeconds: number } | null;
  now: string;
}

/** `POST /api/v1/decisions`. */
export interface DecisionRequest {
  user?: { key: string };
  viewer?: { age?: number; gender?: string; country?: string; platform?: string };
  count?: number;
  exclude?: string[];
}

export interface Decision {
  adId: string;
  title: string;
  creative: Creative | null;
  decisionId: string;
  impressionUrl: string;
  clickUrl: string;
  expiresAt: string;
}

export interface DecisionAnswer {
  decisions: Decision[];
}

export type PacingState = 'ahead' | 'on_track' | 'behind' | 'done' | 'none';

/** `GET /api/v1/ad/<id>/delivery`. */
export interface DeliveryReportJson {
  id: string;
  asOf: string;
  status: AdStatus;
  served: { total: number; today: number };
  impressions: { total: number; today: number };
  clicks: { total: number; today: number };
  goals: Goals;
  remaining: Goals;
  pacing: {
    mode: 'asap' | 'even';
    periodStart: string;
    periodEnd: string;
    expectedByNow: number | null;
    state: PacingState;
  };
  completedAt: string | null;
}
