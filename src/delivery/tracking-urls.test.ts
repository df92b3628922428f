import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTrackingUrls, decisionIdOf, TRACKING_PATH } from './tracking-urls.js';

const secret = 'a-secret-of-at-least-thirty-two-characters';
const adId = '0193a1c6-7f3e-7c2a-9b1d-0123456789ab';
const t0 = Date.UTC(2026, 11, 10, 3, 0, 12, 345);
const urls = (over: Partial<Parameters<typeof createTrackingUrls>[0]> = {}) =>
  createTrackingUrls({ secret, signer: 7, ttlSeconds: 86_400, ...over });
const tokenOf = (url: string) => url.slice(TRACKING_PATH.length);

describe('tracking URLs', () => {
  it('issues two paths whose tokens say the ad, the decision, its time and the kind', () => {
    const t = urls();
    const d = t.issue(adId, t0);
    expect(d.impressionUrl.startsWith(TRACKING_PATH)).toBe(true);
    expect(d.clickUrl.startsWith(TRACKING_PATH)).toBe(true);
    expect(d.impressionUrl).not.toBe(d.clickUrl);
    expect(d.expiresAt).toBe('2026-12-11T03:00:12.345Z');
    const hour = Math.floor(t0 / 3_600_000);
    expect(d.decisionId).toBe(decisionIdOf(7, hour, 0));
    const imp = t.verify(tokenOf(d.impressionUrl), t0);
    const click = t.verify(tokenOf(d.clickUrl), t0);
    const expected = { adId, signer: 7, hour, n: 0, decidedAt: t0, expiresAt: t0 + 86_400_000 };
    expect(imp).toEqual({ ok: true, token: { kind: 'impression', ...expected } });
    expect(click).toEqual({ ok: true, token: { kind: 'click', ...expected } });
  });

  it('signs as the layout says: HMAC-SHA256 under the derived key, each URL one half of it', () => {
    const key = createHmac('sha256', secret).update('adsm tracking url v1').digest();
    const t = urls();
    for (const id of [adId, 'x', 'AD-ÄÖ-广告', 'a'.repeat(128), '广'.repeat(128), '广'.repeat(200)]) {
      const d = t.issue(id, t0);
      const imp = Buffer.from(tokenOf(d.impressionUrl), 'base64url');
      const click = Buffer.from(tokenOf(d.clickUrl), 'base64url');
      const body = imp.subarray(0, imp.length - 16);
      expect(body[0]! & 0x10).toBe(0);
      const m = createHmac('sha256', key).update(body).digest();
      expect(imp.subarray(-16)).toEqual(m.subarray(0, 16));
      expect(click.subarray(0, -16)).toEqual(Buffer.from([body[0]! | 0x10, ...body.subarray(1)]));
      expect(click.subarray(-16)).toEqual(m.subarray(16, 32));
    }
  });

  it('keeps ad ids that are not lower-case UUIDs as they are', () => {
    const t = urls();
    for (const id of ['x', 'AD-ÄÖ-广告', '0193A1C6-7F3E-7C2A-9B1D-0123456789AB', 'a'.repeat(128)]) {
      const check = t.verify(tokenOf(t.issue(id, t0).clickUrl), t0);
      expect(check.ok && check.token.adId).toBe(id);
    }
  });

  it('numbers decisions from 0 within each hour of their time, again after the clock steps back', () => {
    const t = urls();
    const hour = Math.floor(t0 / 3_600_000);
    expect(t.issue(adId, t0).decisionId).toBe(decisionIdOf(7, hour, 0));
    expect(t.issue(adId, t0).decisionId).toBe(decisionIdOf(7, hour, 1));
    expect(t.issue(adId, t0 + 3_600_000).decisionId).toBe(decisionIdOf(7, hour + 1, 0));
    expect(t.issue(adId, t0).decisionId).toBe(decisionIdOf(7, hour, 2));
  });

  it('refuses a token signed with another secret, or forged by hand', () => {
    const other = createTrackingUrls({ secret: secret.replace('a', 'b'), signer: 7, ttlSeconds: 86_400 });
    const d = other.issue(adId, t0);
    expect(urls().verify(tokenOf(d.impressionUrl), t0)).toEqual({ ok: false, reason: 'invalid' });
    // A token built to the layout with a MAC keyed by the raw secret instead of the derived key.
    const bytes = Buffer.from(tokenOf(urls().issue(adId, t0).impressionUrl), 'base64url');
    const body = bytes.subarray(0, bytes.length - 16);
    const forged = Buffer.concat([body, createHmac('sha256', secret).update(body).digest().subarray(0, 16)]);
    expect(urls().verify(forged.toString('base64url'), t0)).toEqual({ ok: false, reason: 'invalid' });
    for (const junk of ['', 'x', 'a'.repeat(71), '!'.repeat(80), 'a'.repeat(801)]) {
      expect(urls().verify(junk, t0)).toEqual({ ok: false, reason: 'invalid' });
    }
  });

  it('refuses every altered bit of either URL and every other spelling of a valid token', () => {
    const t = urls();
    const d = t.issue(adId, t0);
    for (const url of [d.impressionUrl, d.clickUrl]) {
      const bytes = Buffer.from(tokenOf(url), 'base64url');
      for (let i = 0; i < bytes.length; i += 1) {
        for (let bit = 1; bit < 0x100; bit <<= 1) {
          const altered = Buffer.from(bytes);
          altered[i] = (altered[i] ?? 0) ^ bit;
          expect(t.verify(altered.toString('base64url'), t0)).toEqual({ ok: false, reason: 'invalid' });
        }
      }
    }
    const token = tokenOf(d.clickUrl);
    const bytes = Buffer.from(token, 'base64url');
    // The last character carries padding bits: another letter there decodes to the same bytes.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const lastIndex = alphabet.indexOf(token.at(-1) ?? '');
    const sibling = token.slice(0, -1) + alphabet.charAt(lastIndex ^ 1);
    expect(Buffer.from(sibling, 'base64url').equals(bytes)).toBe(true);
    expect(t.verify(sibling, t0)).toEqual({ ok: false, reason: 'invalid' });
    expect(t.verify(token + '=', t0)).toEqual({ ok: false, reason: 'invalid' });
    expect(t.verify(token.slice(0, -2), t0)).toEqual({ ok: false, reason: 'invalid' });
    expect(t.verify(token, t0).ok).toBe(true);
  });

  it('signs both URLs of a decision once, each with its own half of the MAC: a kind turned is refused', () => {
    const t = urls();
    const d = t.issue(adId, t0);
    const imp = Buffer.from(tokenOf(d.impressionUrl), 'base64url');
    const click = Buffer.from(tokenOf(d.clickUrl), 'base64url');
    const end = imp.length - 16;
    // Same bytes but the kind bit, different MACs.
    expect(imp[0]! ^ click[0]!).toBe(0x10);
    expect(imp.subarray(1, end).equals(click.subarray(1, end))).toBe(true);
    expect(imp.subarray(end).equals(click.subarray(end))).toBe(false);
    // An impression URL turned into a click keeping its MAC, and the other way round.
    for (const [from, kind] of [
      [imp, 0x10],
      [click, 0x10],
    ] as const) {
      const turned = Buffer.from(from);
      turned[0] = turned[0]! ^ kind;
      expect(t.verify(turned.toString('base64url'), t0)).toEqual({ ok: false, reason: 'invalid' });
    }
  });

  it('still accepts version 1 tokens (one MAC per URL) until they expire, and refuses them altered', () => {
    const t = urls();
    const key = createHmac('sha256', secret).update('adsm tracking url v1').digest();
    const v1 = (kind: number) => {
      const b = Buffer.alloc(21 + 16 + 16);
      b[0] = 0x01 | 0x20 | kind;
      b.writeUInt32BE(7, 1);
      b.writeUInt32BE(Math.floor(t0 / 3_600_000), 5);
      b.writeUInt32BE(41, 9);
      b.writeUInt32BE(t0 % 3_600_000, 13);
      b.writeUInt32BE(60, 17);
      Buffer.from(adId.replaceAll('-', ''), 'hex').copy(b, 21);
      createHmac('sha256', key).update(b.subarray(0, 37)).digest().copy(b, 37, 0, 16);
      return b;
    };
    const click = v1(0x10);
    expect(t.verify(click.toString('base64url'), t0)).toMatchObject({
      ok: true,
      token: { kind: 'click', adId, signer: 7, n: 41, decidedAt: t0, expiresAt: t0 + 60_000 },
    });
    expect(t.verify(v1(0).toString('base64url'), t0)).toMatchObject({
      ok: true,
      token: { kind: 'impression' },
    });
    expect(t.verify(click.toString('base64url'), t0 + 60_001)).toMatchObject({
      ok: false,
      reason: 'expired',
    });
    const turned = Buffer.from(click);
    turned[0] = turned[0]! ^ 0x10;
    expect(t.verify(turned.toString('base64url'), t0)).toEqual({ ok: false, reason: 'invalid' });
    // Another version number is refused.
    const v3 = Buffer.from(click);
    v3[0] = (v3[0]! & 0xf0) | 3;
    expect(t.verify(v3.toString('base64url'), t0)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('is valid up to expiresAt and expired after it, with the lifetime it was issued with', () => {
    const short = urls({ ttlSeconds: 60 });
    const token = tokenOf(short.issue(adId, t0).impressionUrl);
    expect(short.verify(token, t0 + 60_000).ok).toBe(true);
    expect(short.verify(token, t0 + 60_001)).toMatchObject({ ok: false, reason: 'expired', token: { adId } });
    // Another process with a longer lifetime still honours the one in the token.
    expect(urls({ ttlSeconds: 86_400 }).verify(token, t0 + 60_001)).toMatchObject({
      ok: false,
      reason: 'expired',
    });
  });

  it('refuses a short secret and a bad signer or lifetime', () => {
    expect(() => urls({ secret: 'x'.repeat(31) })).toThrow(/32/);
    expect(() => urls({ signer: -1 })).toThrow(/signer/);
    expect(() => urls({ signer: 2 ** 32 })).toThrow(/signer/);
    expect(() => urls({ ttlSeconds: 0 })).toThrow(/lifetime/);
  });
});
