import { notReady } from '../../model/errors.js';
import type { AdsService } from '../../service/ads-service.js';

export const AD_PATH = '/api/v1/ad';
export const ONE_AD_PATH = '/api/v1/ad/:id';

/** Every `/api` route answers 503 `not_ready` until the replica has recovered and caught up. */
export function ensureReady(service: AdsService): void {
  if (!service.isReady()) throw notReady();
}
