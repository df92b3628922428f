import { describe, expect, it } from 'vitest';
import { ConfigError, isLoopback, loadConfig, showValue } from './config.js';

const refusal = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('configuration accepted');
};

describe('safe defaults', () => {
  it('listens on loopback without ADMIN_TOKEN, everywhere with one', () => {
    expect(loadConfig({})).toMatchObject({ HOST: '127.0.0.1', adminOpen: true });
    expect(loadConfig({ ADMIN_TOKEN: 'long-enough' })).toMatchObject({ HOST: '0.0.0.0', adminOpen: false });
  });

  it.each(['0.0.0.0', '::', '10.1.2.3', 'example.com'])('refuses HOST=%s without ADMIN_TOKEN', (host) => {
    const message = refusal({ HOST: host });
    expect(message).toContain('ADMIN_TOKEN');
    expect(message).not.toContain('\n');
  });

  it.each(['127.0.0.1', '127.3.4.5', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'])(
    'takes the loopback HOST=%s without ADMIN_TOKEN',
    (host) => expect(loadConfig({ HOST: host }).HOST).toBe(host),
  );

  it('ADMIN_AUTH=off opens admin routes on any address on purpose', () => {
    expect(loadConfig({ HOST: '0.0.0.0', ADMIN_AUTH: 'off' })).toMatchObject({
      HOST: '0.0.0.0',
      adminOpen: true,
    });
    expect(refusal({ ADMIN_AUTH: 'off', ADMIN_TOKEN: 'long-enough' })).toContain('ADMIN_AUTH');
    expect(refusal({ ADMIN_AUTH: 'maybe' })).toMatch(/^invalid configuration: ADMIN_AUTH /);
  });

  it('refuses the placeholder token of .env.example', () => {
    const message = refusal({ ADMIN_TOKEN: 'replace-me-with-a-long-random-secret' });
    expect(message).toContain('ADMIN_TOKEN');
    expect(message).not.toContain('replace-me-with');
  });

  it('recognises loopback addresses only', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('128.0.0.1')).toBe(false);
    expect(isLoopback('0.0.0.0')).toBe(false);
    expect(isLoopback('localhost.evil.com')).toBe(false);
  });
});

describe('no secret in a message', () => {
  it('never shows a token', () => {
    const message = refusal({ ADMIN_TOKEN: 'hunter2' });
    expect(message).not.toContain('hunter2');
    expect(message.match(/ADMIN_TOKEN/g)).toHaveLength(1);
  });

  it('shows URLs without their password and names the variable once', () => {
    const message = refusal({ DATABASE_URL: 'postgres://adsm:S3cretPw@db:5432/adsm' });
    expect(message).not.toContain('S3cretPw');
    expect(message).toContain('postgres://adsm:***@db:5432/adsm');
    expect(message.match(/DATABASE_URL/g)).toHaveLength(1);
    expect(refusal({ REDIS_URL: 'http://:pw@x' })).not.toContain('pw@');
  });

  it('hides passwords that hold odd characters', () => {
    expect(showValue('DATABASE_URL', 'postgres://u:p@ss:w0rd@h/db')).toBe('"postgres://u:***@h/db"');
    expect(showValue('SOME_SECRET', 'x')).toBe('(hidden)');
    expect(showValue('PORT', 'abc')).toBe('"abc"');
  });
});

describe('edge limits', () => {
  it('REQUEST_TIMEOUT_MS may not be shorter than HEADERS_TIMEOUT_MS', () => {
    expect(refusal({ HEADERS_TIMEOUT_MS: '5000', REQUEST_TIMEOUT_MS: '1000' })).toMatch(
      /^invalid configuration: REQUEST_TIMEOUT_MS /,
    );
  });
});

describe('replicated write lock', () => {
  it('serialises writers by the store alone unless WRITE_LOCK=redis', () => {
    expect(loadConfig({}).WRITE_LOCK).toBe('store');
    expect(loadConfig({ WRITE_LOCK: 'redis' }).WRITE_LOCK).toBe('redis');
    expect(refusal({ WRITE_LOCK: 'none' })).toMatch(
      /^invalid configuration: WRITE_LOCK must be store or redis/,
    );
  });
});

describe('tracking URLs', () => {
  it('takes a TRACKING_SECRET of 32+ characters and never shows a refused one', () => {
    const secret = 's3cr3t-'.repeat(5);
    expect(loadConfig({ TRACKING_SECRET: secret }).TRACKING_SECRET).toBe(secret);
    expect(loadConfig({}).TRACKING_SECRET).toBeUndefined();
    const message = refusal({ TRACKING_SECRET: 'short-secret-value' });
    expect(message).toMatch(/^invalid configuration: TRACKING_SECRET must be at least 32 characters/);
    expect(message).not.toContain('short-secret-value');
    expect(message).not.toContain('\n');
    expect(refusal({ TRACKING_SECRET: 'replace-me-' + 'x'.repeat(30) })).toContain('TRACKING_SECRET');
  });

  it('RESERVATION_BLOCK defaults to 100, 1 to 100,000', () => {
    expect(loadConfig({}).RESERVATION_BLOCK).toBe(100);
    expect(loadConfig({ RESERVATION_BLOCK: '1' }).RESERVATION_BLOCK).toBe(1);
    for (const bad of ['0', '100001', '2.5', 'x']) {
      expect(refusal({ RESERVATION_BLOCK: bad })).toMatch(/^invalid configuration: RESERVATION_BLOCK /);
    }
  });

  it('TRACKING_URL_TTL_S defaults to a day, 60 s to 30 days', () => {
    expect(loadConfig({}).TRACKING_URL_TTL_S).toBe(86_400);
    expect(loadConfig({ TRACKING_URL_TTL_S: '60' }).TRACKING_URL_TTL_S).toBe(60);
    for (const bad of ['59', '2592001', '1.5', '-1', 'day']) {
      expect(refusal({ TRACKING_URL_TTL_S: bad })).toMatch(/^invalid configuration: TRACKING_URL_TTL_S /);
    }
  });

  it('METRICS_PORT is off by default, a port other than PORT when set', () => {
    expect(loadConfig({}).METRICS_PORT).toBeUndefined();
    expect(loadConfig({ METRICS_PORT: '9091' }).METRICS_PORT).toBe(9091);
    for (const bad of ['0', '65536', 'x', '-1']) {
      expect(refusal({ METRICS_PORT: bad })).toMatch(/^invalid configuration: METRICS_PORT /);
    }
    expect(refusal({ PORT: '9091', METRICS_PORT: '9091' })).toMatch(/METRICS_PORT must differ from PORT/);
  });

  it('TRUST_PROXY is off by default, a list of addresses and CIDRs when set', () => {
    expect(loadConfig({}).TRUST_PROXY).toEqual([]);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, ::1' }).TRUST_PROXY).toEqual(['10.0.0.0/8', '::1']);
    expect(refusal({ TRUST_PROXY: '10.0.0.0/8,nginx' })).toMatch(
      /^invalid configuration: TRUST_PROXY must be a comma-separated list of addresses and CIDRs: "nginx" is not/,
    );
  });

  it('DRAIN_MS defaults to no drain, at most 10 minutes', () => {
    expect(loadConfig({}).DRAIN_MS).toBe(0);
    expect(loadConfig({ DRAIN_MS: '5000' }).DRAIN_MS).toBe(5000);
    expect(refusal({ DRAIN_MS: '600001' })).toMatch(/^invalid configuration: DRAIN_MS /);
  });
});

describe('memory settings', () => {
  it('bound tracking buckets (1,000,000) and V8 heap growth (15%) by default, within their ranges', () => {
    expect(loadConfig({})).toMatchObject({ TRACKING_MAX_BUCKETS: 1_000_000, HEAP_GROWING_PERCENT: 15 });
    expect(loadConfig({ TRACKING_MAX_BUCKETS: '1000', HEAP_GROWING_PERCENT: '0' })).toMatchObject({
      TRACKING_MAX_BUCKETS: 1000,
      HEAP_GROWING_PERCENT: 0,
    });
    expect(refusal({ TRACKING_MAX_BUCKETS: '999' })).toContain('TRACKING_MAX_BUCKETS');
    expect(refusal({ HEAP_GROWING_PERCENT: '301' })).toContain('HEAP_GROWING_PERCENT');
  });

  it('size the answer cache at 16,384 slots by default, 0 turning it off', () => {
    expect(loadConfig({})).toMatchObject({ ANSWER_CACHE_SLOTS: 16_384 });
    expect(loadConfig({ ANSWER_CACHE_SLOTS: '0' })).toMatchObject({ ANSWER_CACHE_SLOTS: 0 });
    expect(refusal({ ANSWER_CACHE_SLOTS: '4194305' })).toContain('ANSWER_CACHE_SLOTS');
  });

  it('hold answers to the end of their loop turn by default, 0 writing each at once', () => {
    expect(loadConfig({})).toMatchObject({ ANSWER_BATCHING: 1 });
    expect(loadConfig({ ANSWER_BATCHING: '0' })).toMatchObject({ ANSWER_BATCHING: 0 });
    expect(refusal({ ANSWER_BATCHING: '2' })).toContain('ANSWER_BATCHING');
  });
});
