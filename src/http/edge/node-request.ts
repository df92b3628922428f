import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';

/** The Node request under hono, when served by node:http; undefined in `app.request()` (no socket). */
export function incomingOf(c: Context): IncomingMessage | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
}
