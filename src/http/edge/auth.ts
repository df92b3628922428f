import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { unauthorized } from '../../model/errors.js';

const BEARER = /^Bearer +(\S+) *$/i;
const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * The admin check: `Authorization: Bearer <token>`. Both sides are hashed first so the
 * comparison is constant-time and does not reveal the token's length. Without a configured token
 * every request passes.
 */
export function createAdminAuth(adminToken: string | undefined): (c: Context) => void {
  if (adminToken === undefined) return () => undefined;
  const expected = digest(adminToken);
  const denied = unauthorized().withHeaders({ 'WWW-Authenticate': 'Bearer' });
  return (c) => {
    const m = BEARER.exec(c.req.header('authorization') ?? '');
    if (!m || !timingSafeEqual(digest(m[1]!), expected)) throw denied;
  };
}
