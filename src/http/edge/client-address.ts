import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/**
 * The address of the client a request came from, as every per-address limit keys it (the 401
 * throttle, the events rate limit).
 *
 * Without trusted proxies it is the socket's peer. With `TRUST_PROXY` (addresses and CIDRs of
 * the proxies in front), a request whose peer is one of them is keyed by `X-Forwarded-For`: read
 * from the right (each proxy appends the address it saw), the first hop that is not a trusted
 * proxy is the client. What a client writes into `X-Forwarded-For` itself sits left of that and is
 * never used, and a request that did not come through a trusted proxy is keyed by its peer
 * whatever it says.
 */
export type ClientAddress = (req: Pick<IncomingMessage, 'socket' | 'rawHeaders'>) => string;

/** The socket's peer. */
export const socketAddress: ClientAddress = (req) => plainIp(req.socket.remoteAddress ?? '') ?? 'unknown';

/** An address as the limits key it: `::ffff:10.0.0.1` is `10.0.0.1`; undefined when it is none. */
function plainIp(text: string): string | undefined {
  let a = text.trim();
  if (a.startsWith('[')) a = a.slice(1, a.indexOf(']') < 0 ? undefined : a.indexOf(']'));
  else if (a.indexOf(':') > 0 && a.indexOf(':') === a.lastIndexOf(':')) a = a.slice(0, a.indexOf(':')); // 1.2.3.4:port
  const lower = a.toLowerCase();
  if (lower.startsWith('::ffff:') && isIP(a.slice(7)) === 4) return a.slice(7);
  return isIP(a) === 0 ? undefined : lower;
}

/**
 * Parses `TRUST_PROXY`: a comma-separated list of addresses and CIDRs (`10.0.0.0/8`,
 * `fd00::/8`). Throws naming the entry that is neither.
 */
export function parseTrustedProxies(text: string): string[] {
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  for (const entry of entries) {
    const [address = '', prefix, extra] = entry.split('/');
    const family = isIP(address);
    const max = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= max);
    if (family === 0 || !prefixOk || extra !== undefined) {
      throw new Error(`"${entry}" is not an address or a CIDR`);
    }
  }
  return entries;
}

const XFF = 'x-forwarded-for';

/** Every `X-Forwarded-For` hop of a request, left to right (several headers count as one list). */
function forwardedHops(raw: readonly string[]): string[] {
  const hops: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === XFF.length && name.toLowerCase() === XFF) hops.push(...raw[i + 1]!.split(','));
  }
  return hops;
}

/** The client address of a request, trusting `X-Forwarded-For` from the proxies `trusted` names. */
export function createClientAddress(trusted: readonly string[]): ClientAddress {
  if (trusted.length === 0) return socketAddress;
  const proxies = new BlockList();
  for (const entry of trusted) {
    const [address = '', prefix] = entry.split('/');
    const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) proxies.addAddress(address, type);
    else proxies.addSubnet(address, Number(prefix), type);
  }
  const isProxy = (ip: string) => proxies.check(ip, isIP(ip) === 4 ? 'ipv4' : 'ipv6');
  return (req) => {
    let client = socketAddress(req);
    if (client === 'unknown' || !isProxy(client)) return client;
    const hops = forwardedHops(req.rawHeaders);
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = plainIp(hops[i]!);
      // Not an address: no proxy of ours wrote it, so the last proxy seen is all we know.
      if (hop === undefined) return client;
      client = hop;
      if (!isProxy(hop)) return hop;
    }
    return client;
  };
}
