import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { ErrorSchema } from '../ads/schemas.js';
import { DECISIONS_PATH } from './decisions-route.js';
import { DecisionAnswerSchema, DecisionRequestSchema } from './schemas.js';

const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });
const errors = (descriptions: Record<number, string>) =>
  Object.fromEntries(
    Object.entries({ ...descriptions, 500: '`internal`.' }).map(([status, description]) => [
      status,
      { description, content: json(ErrorSchema) },
    ]),
  );

const decisions = createRoute({
  method: 'post',
  path: DECISIONS_PATH,
  tags: ['delivery'],
  summary: 'Choose the ads a viewer gets',
  description:
    'Candidates are the ads the public query answers for the viewer now. The lowest priority number ' +
    'first; within one priority a weighted draw without replacement; ads whose frequency caps have no ' +
    'room for `user.key` are passed over (an ad with caps is never given to a request without a key, ' +
    'nor while the caps cannot be checked), and so are completed ads, ads whose daily goal is met ' +
    'today, and ads whose even pacing allows no more now. Each ad answered counts as served at once ' +
    '(toward its impressions goals and pacing, and the caps). Needs ' +
    '`Authorization: Bearer <EVENTS_TOKEN>` when the server runs with `EVENTS_TOKEN`.',
  request: {
    body: {
      required: true,
      content: json(DecisionRequestSchema),
      description: 'At most 64 KiB of application/json.',
    },
  },
  responses: {
    200: { description: 'The chosen ads with their tracking URLs.', content: json(DecisionAnswerSchema) },
    ...errors({
      400: '`validation_failed` (paths like `viewer.age`, `exclude.3`) or `invalid_json`.',
      401: '`unauthorized`.',
      413: '`payload_too_large`: body over 64 KiB.',
      415: '`unsupported_media_type`.',
      429: '`rate_limited` (with `Retry-After`): too many failed authentications from this address.',
      503: '`not_ready`.',
    }),
  },
});

/**
 * Documents `POST /api/v1/decisions` (answered on node:http ahead of hono, see
 * `decisions-route.ts`; its other methods are 405s of the route table).
 */
export function describeDecisions(app: OpenAPIHono): void {
  app.openAPIRegistry.registerPath(decisions);
}
