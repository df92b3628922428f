import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { AD_STATUSES } from '../../model/ad.js';
import { validationFailed } from '../../model/errors.js';
import type { ListPosition } from '../../service/ad-listing.js';
import { createAdminAuth } from '../edge/auth.js';
import { ensureReady } from './paths.js';
import { renderAdWithStatus } from './render.js';
import { AdWithStatusSchema } from './schemas.js';
import type { AppDeps } from '../types.js';
import { issueDetails } from '../input/validation.js';

/** `GET /api/v1/admin/ads`: every ad this replica holds, newest first, paged by an opaque cursor. */

export const ADMIN_ADS_PATH = '/api/v1/admin/ads';
export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 200;
const MAX_Q_LENGTH = 256;
const MAX_CURSOR_LENGTH = 1024;

/** The cursor is the last ad's position, `[createdAt, id]` as base64url JSON. */
export const encodeCursor = (p: ListPosition): string =>
  Buffer.from(JSON.stringify([p.createdAt, p.id])).toString('base64url');

/** The position in a cursor, or `undefined` for anything `encodeCursor` did not make. */
export function decodeCursor(cursor: string): ListPosition | undefined {
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [createdAt, id] = value as unknown[];
  if (!Number.isSafeInteger(createdAt) || (createdAt as number) < 0) return undefined;
  if (typeof id !== 'string' || id.length === 0) return undefined;
  const position = { createdAt: createdAt as number, id };
  // Only the canonical spelling: base64 decoding alone forgives stray padding bits.
  return encodeCursor(position) === cursor ? position : undefined;
}

const codePoints = (s: string): number => [...s].length;

export const AdminListQuerySchema = z.object({
  status: z
    .enum(AD_STATUSES, { error: 'must be scheduled, active, completed or expired' })
    .optional()
    .openapi({
      param: { name: 'status', in: 'query' },
      description: 'Status at the time of the request; all statuses when absent.',
    }),
  q: z
    .string({ error: 'must be given once' })
    .refine((s) => codePoints(s) >= 1 && codePoints(s) <= MAX_Q_LENGTH, {
      error: `must be 1..${MAX_Q_LENGTH} characters`,
    })
    .optional()
    .openapi({
      param: { name: 'q', in: 'query' },
      minLength: 1,
      maxLength: MAX_Q_LENGTH,
      description: 'Only ads whose title contains this text, ignoring case.',
    }),
  limit: z
    .string({ error: 'must be given once' })
    .regex(/^[0-9]+$/, { error: `must be an integer 1..${MAX_LIST_LIMIT}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(1, { error: `must be an integer 1..${MAX_LIST_LIMIT}` })
        .max(MAX_LIST_LIMIT, { error: `must be an integer 1..${MAX_LIST_LIMIT}` }),
    )
    .optional()
    .openapi({
      param: { name: 'limit', in: 'query' },
      type: 'integer',
      minimum: 1,
      maximum: MAX_LIST_LIMIT,
      default: DEFAULT_LIST_LIMIT,
    }),
  cursor: z
    .string({ error: 'must be given once' })
    .transform((s, ctx) => {
      const position = decodeCursor(s);
      if (position === undefined) {
        ctx.addIssue({ code: 'custom', message: 'is not a cursor from a previous page' });
        return z.NEVER;
      }
      return position;
    })
    .optional()
    .openapi({
      param: { name: 'cursor', in: 'query' },
      type: 'string',
      description: "Opaque: a previous page's `nextCursor`. Stays valid while ads are created or deleted.",
    }),
});

export const AdListPageSchema = z
  .object({
    items: z.array(AdWithStatusSchema),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as `cursor` for the next page; `null` on the last page.' }),
  })
  .openapi('AdListPage');

/** Query parameters as zod sees them: a repeated parameter is a list (and so rejected). */
function queryRecord(queries: Record<string, string[]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, values] of Object.entries(queries)) out[key] = values.length === 1 ? values[0]! : values;
  return out;
}

export function registerAdminListRoute(app: OpenAPIHono, deps: AppDeps): void {
  const { service } = deps;
  const authorize = createAdminAuth(deps.adminToken);

  app.get(ADMIN_ADS_PATH, async (c) => {
    ensureReady(service);
    authorize(c);
    const parsed = AdminListQuerySchema.safeParse(queryRecord(c.req.queries()));
    if (!parsed.success) throw validationFailed('query is invalid', issueDetails(parsed.error.issues));
    const { status, q, limit, cursor } = parsed.data;
    const page = await service.list({ status, q, after: cursor, limit: limit ?? DEFAULT_LIST_LIMIT });
    return c.json({
      items: page.ads.map((ad) => renderAdWithStatus(ad, page.now)),
      nextCursor: page.next ? encodeCursor(page.next) : null,
    });
  });
}
