import type { Logger } from 'pino';
import type { AdsService } from '../service/ads-service.js';
import type { Metrics } from './ops/metrics.js';
import type { AuthFailures } from './edge/auth-limit.js';
import type { ClientAddress } from './edge/client-address.js';
import type { TrackingRoutesDeps } from './tracking/stats-routes.js';
import type { DeliveryReportRouteDeps } from './delivery/report-route.js';

export interface AppDeps {
  readonly service: AdsService;
  /** When set, admin routes require `Authorization: Bearer <adminToken>`. */
  readonly adminToken?: string | undefined;
  readonly logger: Logger;
  /**
   * Failed authentications per address, shared with every route that asks for a token
   * (default: counted in this process's memory).
   */
  readonly authFailures?: AuthFailures;
  /** Whose address a request is (default: the socket's peer). */
  readonly clientAddress?: ClientAddress;
  /** Defaults to `createMetrics(service)`. */
  readonly metrics?: Metrics;
  /**
   * What `/readyz` answers: true for 200. Default: the service's readiness. The process adds
   * what the service cannot know (tracking still recovering, draining before a stop).
   */
  readonly ready?: () => boolean;
  /** False when `/metrics` is served on its own port (`METRICS_PORT`): here it is then a 404. */
  readonly publicMetrics?: boolean;
  /** Delivery tracking's read routes (stats, history); absent in apps without tracking. */
  readonly tracking?: TrackingRoutesDeps;
  /** `GET /api/v1/ad/<id>/delivery`; absent in apps without delivery control. */
  readonly deliveryReport?: DeliveryReportRouteDeps;
}

declare module 'hono' {
  interface ContextVariableMap {
    /** The request's id, echoed in `X-Request-Id` and attached to its log lines. */
    requestId: string;
  }
}
