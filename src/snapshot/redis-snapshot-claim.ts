import type { Redis } from 'ioredis';
import type { SnapshotClaim } from './snapshot-policy.js';

/**
 * Replicated mode: the first replica to `SET NX` the key `<prefix>:snapshot:<seq>` takes the
 * snapshot due at `seq`; the key expires after an hour.
 */
export function createRedisSnapshotClaim(deps: {
  readonly redis: Redis;
  readonly prefix: string;
}): SnapshotClaim {
  return async (seq) => {
    const ok = await deps.redis.set(
      `${deps.prefix}:snapshot:${seq}`,
      String(process.pid),
      'PX',
      3_600_000,
      'NX',
    );
    return ok === 'OK';
  };
}
