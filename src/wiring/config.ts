import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { parseTrustedProxies } from '../http/edge/client-address.js';

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
    HOST: z.string().min(1).optional(),
    DATA_DIR: z.string().min(1).default('./data'),
    DATABASE_URL: url(['postgres:', 'postgresql:']),
    REDIS_URL: url(['redis:', 'rediss:']),
    REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9:_-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 : _ -')
      .default('adsm'),
    ADMIN_TOKEN: z
      .string()
      .min(8, 'must be at least 8 characters')
      .refine(
        (v) => !v.startsWith('replace-me'),
        'is still the placeholder of .env.example; set a long random secret',
      )
      .optional(),
    ADMIN_AUTH: z.enum(['on', 'off'], { message: 'must be on or off' }).default('on'),
    MAX_ADS_PER_DAY: int(3000),
    MAX_ACTIVE_ADS: int(1000),
    SNAPSHOT_EVERY: int(1000),
    SNAPSHOT_KEEP: int(3, 1, 1000),
    STREAM_MAXLEN: int(100_000, 100),
    WRITE_LOCK: z.enum(['store', 'redis'], { message: 'must be store or redis' }).default('store'),
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
    TRUST_PROXY: z
      .string()
      .default('')
      .transform((v, ctx) => {
        try {
          return parseTrustedProxies(v);
        } catch (err) {
          ctx.addIssue({
            code: 'custom',
            message: `must be a comma-separated list of addresses and CIDRs: ${(err as Error).message}`,
          });
          return z.NEVER;
        }
      }),
    SPOOL_DIR: z.string().min(1).optional(),
    SPOOL_MAX_MB: int(256, 1, 1_000_000),
    FLUSH_INTERVAL_MS: int(5000, 10, 10_000),
    TRACKING_MAX_BUCKETS: int(1_000_000, 1_000, 100_000_000),
    HEAP_GROWING_PERCENT: int(15, 0, 300),
    ANSWER_CACHE_SLOTS: int(16_384, 0, 1 << 22),
    ANSWER_BATCHING: int(1, 0, 1),
    STATS_RETENTION_DAYS: int(400, 3, 100_000),
    TRACKING_SECRET: z
      .string()
      .min(32, 'must be at least 32 characters')
      .refine(
        (v) => !v.startsWith('replace-me'),
        'is still the placeholder of .env.example; set a long random secret',
      )
      .optional(),
    TRACKING_URL_TTL_S: int(86_400, 60, 30 * 86_400),
    RESERVATION_BLOCK: int(100, 1, 100_000),
    METRICS_PORT: z
      .string()
      .regex(/^\d+$/, 'must be a port number')
      .transform(Number)
      .pipe(z.number().int().min(1).max(65535))
      .optional(),
    DRAIN_MS: int(0, 0, 600_000),
  })
  .refine((c) => c.METRICS_PORT === undefined || c.METRICS_PORT !== c.PORT, {
    path: ['METRICS_PORT'],
    message: 'must differ from PORT',
  })
  .refine((c) => c.HEADERS_TIMEOUT_MS <= c.REQUEST_TIMEOUT_MS, {
    path: ['REQUEST_TIMEOUT_MS'],
    message: 'must not be shorter than HEADERS_TIMEOUT_MS',
  })
  .refine((c) => (c.DATABASE_URL === undefined) === (c.REDIS_URL === undefined), {
    path: ['DATABASE_URL'],
    message: 'must be set together with REDIS_URL (replicated mode), or neither (embedded mode)',
  });

export type RawConfig = z.infer<typeof schema>;

export interface Config extends Omit<RawConfig, 'HOST'> {
  /** HOST, or `0.0.0.0` with an ADMIN_TOKEN, `127.0.0.1` without one. */
  readonly HOST: string;
  /** True when admin routes need no token (no ADMIN_TOKEN): say so at start-up. */
  readonly adminOpen: boolean;
  readonly mode: 'embedded' | 'replicated';
  /** Resolved worker count: WORKERS, or the number of CPUs in replicated mode, 1 in embedded mode. */
  readonly workers: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Variables whose value is never shown, whatever is wrong with it. */
const SECRET = /TOKEN|SECRET|PASSWORD|PASSWD|KEY/i;

/** A value fit for an error message: secrets hidden, URLs without their password. */
export function showValue(name: string, value: string | undefined): string {
  if (value === undefined) return '(unset)';
  if (SECRET.test(name)) return '(hidden)';
  return JSON.stringify(value.replace(/(\/\/[^/@\s:]*):[^/\s]*@/g, '$1:***@'));
}

/** 127.0.0.0/8, ::1 and `localhost`: only this host can connect. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Parses the environment once. Empty strings count as unset. Throws `ConfigError` naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    throw new ConfigError(
      `invalid configuration: ${name} ${issue.message} (got ${showValue(name, env[name])})`,
    );
  }
  const raw = parsed.data;
  const mode = raw.DATABASE_URL ? 'replicated' : 'embedded';
  if (mode === 'embedded' && raw.WORKERS > 1) {
    throw new ConfigError(
      'invalid configuration: WORKERS must be 0 or 1 in embedded mode (one process owns the SQLite file); set DATABASE_URL and REDIS_URL for more',
    );
  }
  const adminOpen = raw.ADMIN_TOKEN === undefined;
  if (!adminOpen && raw.ADMIN_AUTH === 'off') {
    throw new ConfigError('invalid configuration: ADMIN_AUTH=off contradicts ADMIN_TOKEN; unset one of them');
  }
  const HOST = raw.HOST ?? (adminOpen ? '127.0.0.1' : '0.0.0.0');
  if (adminOpen && raw.ADMIN_AUTH !== 'off' && !isLoopback(HOST)) {
    throw new ConfigError(
      `invalid configuration: ADMIN_TOKEN must be set to listen on HOST=${HOST} (the admin API would be open to the network); set ADMIN_TOKEN, or ADMIN_AUTH=off to serve it open on purpose`,
    );
  }
  const workers = raw.WORKERS > 0 ? raw.WORKERS : mode === 'replicated' ? availableParallelism() : 1;
  return { ...raw, HOST, adminOpen, mode, workers };
}
