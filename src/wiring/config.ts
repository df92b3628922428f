import { availableParallelism } from 'node:os';
import { z } from 'zod';

const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a non-negative integer')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .default(def);

const url = (protocols: string[]) =>
  z
    .string()
    .refine((v) => URL.canParse(v) && protocols.includes(new URL(v).protocol), {
      message: `must be a ${protocols.join(' or ')}// URL`,
    })
    .optional();

const schema = z
  .object({
    PORT: int(3000, 0, 65535),
    HOST: z.string().min(1).default('0.0.0.0'),
    DATA_DIR: z.string().min(1).default('./data'),
    DATABASE_URL: url(['postgres:', 'postgresql:']),
    REDIS_URL: url(['redis:', 'rediss:']),
    REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9:_-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 : _ -')
      .default('adsm'),
    ADMIN_TOKEN: z.string().min(8, 'must be at least 8 characters').optional(),
    MAX_ADS_PER_DAY: int(3000),
    MAX_ACTIVE_ADS: int(1000),
    SNAPSHOT_EVERY: int(1000),
    SNAPSHOT_KEEP: int(3, 1, 1000),
    STREAM_MAXLEN: int(100_000, 100),
    LOCK_TTL_MS: int(5000, 100),
    POLL_INTERVAL_MS: int(1000, 10),
    WORKERS: int(0, 0, 256),
    HEADERS_TIMEOUT_MS: int(10_000, 100, 600_000),
    REQUEST_TIMEOUT_MS: int(12_000, 100, 600_000),
    BODY_IDLE_TIMEOUT_MS: int(5_000, 100, 600_000),
    MAX_CONNECTIONS: int(4_096),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    ADSM_FAILPOINT: z.string().optional(),
    EVENTS_TOKEN: z.string().min(8, 'must be at least 8 characters').optional(),
    EVENTS_RATE_LIMIT: int(0),
    SPOOL_DIR: z.string().min(1).optional(),
    SPOOL_MAX_MB: int(256, 1, 1_000_000),
    FLUSH_INTERVAL_MS: int(5000, 10, 10_000),
    STATS_RETENTION_DAYS: int(400, 3, 100_000),
  })
  .refine((c) => c.HEADERS_TIMEOUT_MS <= c.REQUEST_TIMEOUT_MS, {
    path: ['REQUEST_TIMEOUT_MS'],
    message: 'must not be shorter than HEADERS_TIMEOUT_MS',
  })
  .refine((c) => (c.DATABASE_URL === undefined) === (c.REDIS_URL === undefined), {
    path: ['DATABASE_URL'],
    message:
      'DATABASE_URL and REDIS_URL must be set together (replicated mode) or not at all (embedded mode)',
  });

export type RawConfig = z.infer<typeof schema>;

export interface Config extends RawConfig {
  readonly mode: 'embedded' | 'replicated';
  /** Resolved worker count: WORKERS, or the number of CPUs in replicated mode, 1 in embedded mode. */
  readonly workers: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment once. Empty strings count as unset. Throws `ConfigError` naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    throw new ConfigError(
      `invalid configuration: ${name} ${issue.message} (got ${JSON.stringify(env[name] ?? '')})`,
    );
  }
  const raw = parsed.data;
  const mode = raw.DATABASE_URL ? 'replicated' : 'embedded';
  if (mode === 'embedded' && raw.WORKERS > 1) {
    throw new ConfigError(
      'invalid configuration: WORKERS must be 0 or 1 in embedded mode (one process owns the SQLite file); set DATABASE_URL and REDIS_URL for more',
    );
  }
  const workers = raw.WORKERS > 0 ? raw.WORKERS : mode === 'replicated' ? availableParallelism() : 1;
  return { ...raw, mode, workers };
}
