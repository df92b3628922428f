import { describe, expect, it } from 'vitest';
import { createClientAddress, parseTrustedProxies, socketAddress } from './client-address.js';

const req = (peer: string, ...xff: string[]) => ({
  socket: { remoteAddress: peer } as never,
  rawHeaders: xff.flatMap((v) => ['X-Forwarded-For', v]),
});

describe('the client address', () => {
  it('is the socket peer without trusted proxies, whatever X-Forwarded-For says', () => {
    expect(socketAddress(req('10.1.2.3', '203.0.113.9'))).toBe('10.1.2.3');
    expect(createClientAddress([])(req('10.1.2.3', '203.0.113.9'))).toBe('10.1.2.3');
    expect(socketAddress(req('::ffff:10.1.2.3'))).toBe('10.1.2.3');
  });

  const behind = createClientAddress(parseTrustedProxies('10.0.0.0/8, 192.168.1.1, fd00::/8'));

  it('ignores a forged X-Forwarded-For from a peer that is not a trusted proxy', () => {
    expect(behind(req('203.0.113.50', '198.51.100.1'))).toBe('203.0.113.50');
    expect(behind(req('::ffff:203.0.113.50', '198.51.100.1'))).toBe('203.0.113.50');
  });

  it('takes the rightmost hop that is not a trusted proxy', () => {
    expect(behind(req('10.0.0.2', '198.51.100.1'))).toBe('198.51.100.1');
    // The client wrote its own X-Forwarded-For; the proxy appended the address it saw.
    expect(behind(req('10.0.0.2', '1.1.1.1, 198.51.100.1'))).toBe('198.51.100.1');
    expect(behind(req('10.0.0.2', '1.1.1.1', '198.51.100.1, 192.168.1.1'))).toBe('198.51.100.1');
    expect(behind(req('::ffff:10.0.0.2', '198.51.100.1:4711'))).toBe('198.51.100.1');
    expect(behind(req('fd00::1', '2001:DB8::7'))).toBe('2001:db8::7');
    expect(behind(req('fd00::1', '[2001:db8::7]:80'))).toBe('2001:db8::7');
  });

  it('stops at a hop that is not an address (no proxy of ours wrote it)', () => {
    expect(behind(req('10.0.0.2', '198.51.100.1, nonsense, 10.0.0.9'))).toBe('10.0.0.9');
    expect(behind(req('10.0.0.2', 'unknown'))).toBe('10.0.0.2');
  });

  it('is the peer when a trusted proxy sent no X-Forwarded-For, the leftmost hop when all are proxies', () => {
    expect(behind(req('10.0.0.2'))).toBe('10.0.0.2');
    expect(behind(req('10.0.0.2', '10.0.0.7, 192.168.1.1'))).toBe('10.0.0.7');
  });
});

describe('TRUST_PROXY', () => {
  it('is a comma-separated list of addresses and CIDRs', () => {
    expect(parseTrustedProxies('')).toEqual([]);
    expect(parseTrustedProxies('127.0.0.1, 10.0.0.0/8,::1,fd00::/8')).toEqual([
      '127.0.0.1',
      '10.0.0.0/8',
      '::1',
      'fd00::/8',
    ]);
  });

  it.each(['nginx', '10.0.0.0/33', '10.0.0.0/', '10.0.0/8', '::1/129', '10.0.0.1/8/8', '1.2.3.4:80'])(
    'refuses %j',
    (entry) => {
      expect(() => parseTrustedProxies(entry)).toThrow(entry);
    },
  );
});
