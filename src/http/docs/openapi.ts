import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import {
  AdBodySchema,
  AdPageSchema,
  AdSchema,
  AdWithStatusSchema,
  ErrorSchema,
  IdParamSchema,
} from '../ads/schemas.js';
import { PublicQuerySchema } from '../ads/query-schema.js';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from '../input/headers.js';
import { API_NOTES } from './api-notes.js';
import {
  idempotencyKeyReused,
  internal,
  notFound,
  notReady,
  payloadTooLarge,
  quotaExceeded,
  unauthorized,
  unsupportedMediaType,
  validationFailed,
  versionMismatch,
  type AppError,
} from '../../model/errors.js';
import { errorBody } from '../edge/envelope.js';
import { ADMIN_ADS_PATH, AdListPageSchema, AdminListQuerySchema } from '../ads/admin-list.js';

/**
 * Route descriptions for /openapi.json, built from the schemas that validate requests. Handlers
 * are registered separately (see `admin-routes.ts`; `GET /api/v1/ad` is answered on node:http by
 * `fast-public.ts`) so the checks run in the contract's order rather than in the validator
 * chain's.
 */

type Header = { description: string; schema: { type: 'string' } };
const header = (description: string): Header => ({ description, schema: { type: 'string' } });
const REQUEST_ID = header("The request id: the client's `X-Request-Id` when sane, otherwise a new one.");

const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: '`validation_failed` (details list each problem) or `invalid_json`.',
  401: '`unauthorized`: missing or wrong bearer token.',
  404: '`not_found`: unknown ad id.',
  412: '`version_mismatch`: If-Match names another version; nothing changed.',
  413: '`payload_too_large`: body over 64 KiB.',
  415: '`unsupported_media_type`: the body is not `application/json`.',
  422: '`idempotency_key_reused`: the key was used with a different body.',
  429: '`quota_exceeded`: a daily or active-ads quota would be broken; nothing changed.',
  500: '`internal`.',
  503: '`not_ready`: the replica is still recovering (with `Retry-After`).',
};

/** Each status's example body, made by the same constructors the server answers with. */
const EXAMPLES: Readonly<Record<number, AppError>> = {
  400: validationFailed('request body is invalid', [
    { path: 'conditions.0.ageStart', message: 'must be at least 1' },
  ]),
  401: unauthorized(),
  404: notFound('ad'),
  412: versionMismatch(3),
  413: payloadTooLarge(65536),
  415: unsupportedMediaType(),
  422: idempotencyKeyReused(),
  429: quotaExceeded('at most 3000 ads may be created per UTC day (MAX_ADS_PER_DAY)'),
  500: internal(),
  503: notReady(),
};
const errorExample = (status: number): unknown => JSON.parse(errorBody(EXAMPLES[status] ?? internal()));

function errors(...statuses: number[]) {
  const out: Record<number, { description: string; headers: Record<string, Header>; content: object }> = {};
  for (const status of [...statuses, 500]) {
    const headers: Record<string, Header> = { 'X-Request-Id': REQUEST_ID };
    if (status === 401) headers['WWW-Authenticate'] = header('`Bearer`.');
    if (status === 503) headers['Retry-After'] = header('Seconds to wait before retrying.');
    out[status] = {
      description: ERROR_DESCRIPTIONS[status] ?? 'Error.',
      headers,
      content: { 'application/json': { schema: ErrorSchema, example: errorExample(status) } },
    };
  }
  return out;
}

const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });
const adBody = {
  required: true,
  content: json(AdBodySchema),
  description: 'At most 64 KiB of `application/json`.',
};
const ifMatch = z.object({
  'If-Match': z.string().optional().openapi({
    description: 'Expected version: `"3"`, `3`, `W/"3"` or `*` (any existing version).',
    example: '"3"',
  }),
});
const etag = header('`"<version>"` of the ad.');

export const routes = {
  list: createRoute({
    method: 'get',
    path: '/api/v1/ad',
    tags: ['public'],
    summary: 'Active ads matching a viewer, ordered by endAt then id',
    description:
      'Ads active now (`startAt <= now < endAt`) with at least one condition set matching every given parameter. ' +
      'A parameter given twice or with an empty value is a 400; unknown parameters are ignored.',
    request: { query: PublicQuerySchema },
    responses: {
      200: { description: 'One page.', headers: { 'X-Request-Id': REQUEST_ID }, content: json(AdPageSchema) },
      ...errors(400, 503),
    },
  }),
  create: createRoute({
    method: 'post',
    path: '/api/v1/ad',
    tags: ['admin'],
    summary: 'Create an ad',
    request: {
      body: adBody,
      headers: z.object({
        'Idempotency-Key': z.string().min(1).max(MAX_IDEMPOTENCY_KEY_LENGTH).optional().openapi({
          description:
            'A retry with the same key and the same JSON body answers the first answer again and creates nothing.',
        }),
      }),
    },
    responses: {
      201: {
        description: 'Created (or an idempotent replay of the first answer).',
        headers: {
          Location: header('`/api/v1/ad/<id>`.'),
          ETag: etag,
          'Idempotent-Replayed': header('`true` when this answer is a replay.'),
          'X-Request-Id': REQUEST_ID,
        },
        content: json(AdSchema),
      },
      ...errors(400, 401, 413, 415, 422, 429, 503),
    },
  }),
  get: createRoute({
    method: 'get',
    path: '/api/v1/ad/{id}',
    tags: ['admin'],
    summary: 'Read one ad, expired ones too',
    request: { params: IdParamSchema },
    responses: {
      200: {
        description: 'The ad and its status now.',
        headers: { ETag: etag, 'X-Request-Id': REQUEST_ID },
        content: json(AdWithStatusSchema),
      },
      ...errors(401, 404, 503),
    },
  }),
  update: createRoute({
    method: 'put',
    path: '/api/v1/ad/{id}',
    tags: ['admin'],
    summary: 'Replace title, startAt, endAt and conditions',
    request: { params: IdParamSchema, headers: ifMatch, body: adBody },
    responses: {
      200: {
        description: 'The new ad.',
        headers: { ETag: etag, 'X-Request-Id': REQUEST_ID },
        content: json(AdSchema),
      },
      ...errors(400, 401, 404, 412, 413, 415, 429, 503),
    },
  }),
  delete: createRoute({
    method: 'delete',
    path: '/api/v1/ad/{id}',
    tags: ['admin'],
    summary: 'Delete an ad',
    request: { params: IdParamSchema, headers: ifMatch },
    responses: {
      204: { description: 'Deleted.', headers: { 'X-Request-Id': REQUEST_ID } },
      ...errors(400, 401, 404, 412, 503),
    },
  }),
  adminList: createRoute({
    method: 'get',
    path: ADMIN_ADS_PATH,
    tags: ['admin'],
    summary: 'Every ad this replica holds, newest first, paged by cursor',
    description:
      'Order: `createdAt` descending, then `id` descending. The cursor is a position in that order, so a ' +
      'page never repeats or skips an ad that existed on both requests, whatever was created or deleted ' +
      'in between. A malformed cursor, or a parameter given twice or empty, is a 400.',
    request: { query: AdminListQuerySchema },
    responses: {
      200: {
        description: 'One page.',
        headers: { 'X-Request-Id': REQUEST_ID },
        content: json(AdListPageSchema),
      },
      ...errors(400, 401, 503),
    },
  }),
  healthz: createRoute({
    method: 'get',
    path: '/healthz',
    tags: ['service'],
    summary: 'Liveness',
    responses: { 200: { description: 'Alive.', content: json(z.object({ status: z.literal('ok') })) } },
  }),
  readyz: createRoute({
    method: 'get',
    path: '/readyz',
    tags: ['service'],
    summary: 'Readiness: recovered and caught up with the log',
    responses: {
      200: {
        description:
          'Ready. `store: "unavailable"` while the database cannot be reached (reads go on from memory; writes answer 503 `store_unavailable`).',
        content: json(z.object({ status: z.literal('ready'), store: z.literal('unavailable').optional() })),
      },
      ...errors(503),
    },
  }),
  metrics: createRoute({
    method: 'get',
    path: '/metrics',
    tags: ['service'],
    summary: 'Prometheus metrics',
    responses: {
      200: {
        description: 'Prometheus text exposition format.',
        content: { 'text/plain': { schema: z.string() } },
      },
    },
  }),
  openapi: createRoute({
    method: 'get',
    path: '/openapi.json',
    tags: ['service'],
    summary: 'This document (OpenAPI 3.1)',
    responses: { 200: { description: 'The document.', content: json(z.looseObject({})) } },
  }),
  docs: createRoute({
    method: 'get',
    path: '/docs',
    tags: ['service'],
    summary: 'Browsable API reference of this document',
    responses: { 200: { description: 'HTML page.', content: { 'text/html': { schema: z.string() } } } },
  }),
};

/** Registers the routes and the bearer scheme for the document; handlers are added elsewhere. */
export function describeRoutes(app: OpenAPIHono): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'Required on admin routes when the server runs with ADMIN_TOKEN.',
  });
  for (const route of Object.values(routes)) app.openAPIRegistry.registerPath(route);
}

/**
 * What /docs shows first: two lines, then the notes folded away (they are long, and the
 * operations should be on the first screen).
 */
const API_DESCRIPTION = `In-memory ad-serving API: the public query and decisions for ad platforms, the admin API for
people and tools, delivery tracking. Errors are \`{"error":{"code","message","details"}}\`.

<details><summary>How this server reads the contract: order of checks, bodies, times, keys, limits</summary>

${API_NOTES}

</details>`;

/** The OpenAPI 3.1 document as JSON text, made once on first use. */
export function openApiDocument(app: OpenAPIHono): () => string {
  let text: string | undefined;
  return () =>
    (text ??= JSON.stringify(
      app.getOpenAPI31Document({
        openapi: '3.1.0',
        info: { title: 'adsm', version: '1.0.0', description: API_DESCRIPTION },
        // The order /docs shows them in: what platforms call first, operations last.
        tags: [
          { name: 'public', description: 'The public query: which active ads match a viewer.' },
          { name: 'delivery', description: 'Decisions: the ads a viewer gets, within goals and caps.' },
          { name: 'admin', description: 'Create, read, change, delete and list ads (admin token).' },
          { name: 'tracking', description: 'Impressions and clicks: recording them, reading counts.' },
          { name: 'service', description: 'Health, readiness, metrics and this document.' },
        ],
      }),
    ));
}
