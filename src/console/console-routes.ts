import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import type { Context, Hono } from 'hono';
import type { AdsService } from '../service/ads-service.js';
import { consolePage } from './page.js';

/**
 * The admin console at `/admin`: one HTML page, its modules and stylesheet, every byte served
 * from here (no CDN, no external font), under a Content-Security-Policy that allows nothing
 * else. The page holds no data: the client reads the admin API with the token the admin gives.
 */

export const CONSOLE_PATH = '/admin';
export const ASSET_PATH = '/admin/assets/:file';
export const CLUSTER_PATH = '/admin/cluster.json';

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const TYPES: Readonly<Record<string, string>> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

interface Asset {
  readonly body: string;
  readonly type: string;
}

/** Copied next to the compiled module by `npm run build`; read once per process. */
const ASSETS_DIR = new URL('./assets/', import.meta.url);
let loaded: { assets: ReadonlyMap<string, Asset>; version: string } | undefined;

function loadAssets(): NonNullable<typeof loaded> {
  if (loaded) return loaded;
  const assets = new Map<string, Asset>();
  const hash = createHash('sha256');
  for (const name of readdirSync(ASSETS_DIR).sort()) {
    const type = TYPES[name.slice(name.lastIndexOf('.') + 1)];
    if (type === undefined) continue;
    const body = readFileSync(new URL(name, ASSETS_DIR), 'utf8');
    assets.set(name, { body, type });
    hash.update(name).update(body);
  }
  loaded = { assets, version: hash.digest('hex').slice(0, 12) };
  return loaded;
}

const pageHeaders = (type: string): Record<string, string> => ({
  'Content-Type': type,
  'Content-Security-Policy': CONSOLE_CSP,
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-cache',
});

export interface ConsoleDeps {
  readonly service: Pick<AdsService, 'stats' | 'now' | 'isReady' | 'latestSnapshotInfo'>;
  /** The admin check of the API (throws its 401); the console's data route uses the same. */
  readonly authorize: (c: Context) => void;
  /** The server runs with an admin token: the page asks for it. */
  readonly authRequired: boolean;
  /** Country codes the API accepts, offered by name in the pickers. */
  readonly countryCodes: ReadonlySet<string>;
}

export function registerConsole<E extends object>(app: Hono<E>, deps: ConsoleDeps): void {
  const { service, authorize, authRequired, countryCodes } = deps;

  app.get(CONSOLE_PATH, (c) => {
    const { version } = loadAssets();
    return c.body(
      consolePage({ authRequired, assetVersion: version, countryCodes }),
      200,
      pageHeaders('text/html; charset=utf-8'),
    );
  });

  app.get(ASSET_PATH, (c) => {
    const asset = loadAssets().assets.get(c.req.param('file'));
    if (!asset) return c.notFound();
    return c.body(asset.body, 200, pageHeaders(asset.type));
  });

  /** This replica's view of the cluster, for the console's cluster panel. Answers while recovering too. */
  app.get(CLUSTER_PATH, async (c) => {
    authorize(c);
    const stats = service.stats();
    const now = service.now();
    const snapshot = await service.latestSnapshotInfo();
    return c.json(
      {
        ready: service.isReady(),
        appliedSeq: stats.appliedSeq,
        knownHeadSeq: stats.knownHeadSeq,
        lagEntries: Math.max(0, stats.knownHeadSeq - stats.appliedSeq),
        lagSeconds: stats.lastAppliedAt === 0 ? 0 : Math.max(0, now - stats.lastAppliedAt) / 1000,
        liveAds: stats.liveAds,
        activeAds: stats.activeAds,
        snapshot: snapshot && {
          seq: snapshot.seq,
          takenAt: new Date(snapshot.takenAt).toISOString(),
          ageSeconds: Math.max(0, now - snapshot.takenAt) / 1000,
        },
        now: new Date(now).toISOString(),
      },
      200,
      { 'Cache-Control': 'no-store' },
    );
  });
}
