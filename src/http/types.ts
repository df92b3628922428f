import type { Logger } from 'pino';
import type { AdsService } from '../service/ads-service.js';
import type { Metrics } from './metrics.js';

export interface AppDeps {
  readonly service: AdsService;
  /** When set, admin routes require `Authorization: Bearer <adminToken>`. */
  readonly adminToken?: string | undefined;
  readonly logger: Logger;
  /** Defaults to `createMetrics(service)`. */
  readonly metrics?: Metrics;
}

declare module 'hono' {
  interface ContextVariableMap {
    /** The request's id, echoed in `X-Request-Id` and attached to its log lines. */
    requestId: string;
  }
}
