import type { Context } from 'hono';
import { authorizationsOf, createBearerCheck, denied } from './bearer.js';
import { incomingOf } from './node-request.js';

/** A request's `Authorization` values: every header as sent when served, else the joined one. */
function authorizations(c: Context): string[] {
  const raw = incomingOf(c)?.rawHeaders;
  if (raw !== undefined) return authorizationsOf(raw);
  const joined = c.req.header('authorization');
  return joined === undefined ? [] : [joined];
}

/** The admin check (`bearer.ts`) on hono. Without a configured token every request passes. */
export function createAdminAuth(adminToken: string | undefined): (c: Context) => void {
  if (adminToken === undefined) return () => undefined;
  const check = createBearerCheck(adminToken);
  const refusal = denied();
  return (c) => {
    if (!check(authorizations(c))) throw refusal;
  };
}
