/**
 * The `Host` check of the edge, made once for every route before any of them runs: a request
 * without `Host` in HTTP/1.1, or with one that is not a host, is a 400. The rule is hono's
 * (@hono/node-server builds a URL from `Host` and refuses what does not survive it), so the fast
 * node:http routes and the hono routes refuse the same requests.
 */

/** What @hono/node-server takes without building a URL. */
const PLAIN_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;
const HOST = 'host';

/** The first `Host` value of a request (Node keeps the first of several too); undefined without one. */
export function hostOf(raw: readonly string[]): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === HOST.length && (name === 'Host' || name.toLowerCase() === HOST)) return raw[i + 1];
  }
  return undefined;
}

/** Whether `host` names a host (and port): `a b`, `user@evil` or `x:99999` do not. Empty is allowed (RFC 9112 §3.2). */
export function isHost(host: string): boolean {
  if (host === '' || PLAIN_HOST.test(host)) return true;
  let hostname: string;
  try {
    hostname = new URL(`http://${host}/`).hostname;
  } catch {
    return false;
  }
  const bare = host.includes(':') ? host.replace(/:\d+$/, '') : host;
  return hostname.length === host.length || hostname === bare.toLowerCase();
}

/** `isHost`, remembering the last host it accepted (nearly every request repeats it). */
export function createHostCheck(): (host: string) => boolean {
  let accepted = '';
  return (host) => {
    if (host === accepted) return true;
    if (!isHost(host)) return false;
    accepted = host;
    return true;
  };
}
