/**
 * Signed tracking URLs: each decision gets an impression URL and a click URL whose token carries
 * the ad id, the decision id, the decision time, the URL's lifetime and its kind, with an HMAC,
 * so that checking a fire needs no store.
 *
 * Decision ids are (signer, hour, n): `signer` is unique to one running process (allocated at
 * start from the store), `hour` is the UTC hour of the decision, and `n` counts that signer's
 * decisions within that hour from 0. The cluster-wide record of fired URLs can then be one bitmap
 * per (signer, hour, kind) with one bit per decision.
 *
 * Token bytes (then base64url):
 *   0      flags: bits 0-3 version (2), bit 4 kind (0 impression, 1 click), bit 5 ad id is a UUID
 *   1..4   signer (uint32)      5..8   hour since the epoch (uint32)   9..12  n (uint32)
 *   13..16 ms of the decision within its hour (uint32)                 17..20 lifetime in s (uint32)
 *   21..   ad id: 16 bytes for a lower-case UUID, else its UTF-8 bytes
 *   last 16 bytes: one half of M = HMAC-SHA256 of everything before with the kind bit cleared:
 *          bytes 0-15 of M in the impression URL, 16-31 in the click URL
 *
 * So one HMAC signs both URLs of a decision, and each URL still has a 128-bit MAC of its own
 * that covers its kind: flipping the kind bit asks for the other half of M, which only the other
 * URL of the same decision carries (and then the token is that URL, byte for byte). Version 1
 * tokens (one HMAC per URL, over every byte before the MAC, truncated to its first 128 bits) are
 * still accepted until they expire, so URLs handed out before an upgrade keep counting.
 */
import { createHmac, hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TrackingKeys } from './tracking-keys.js';

export type FireKind = 'impression' | 'click';

export interface IssuedDecision {
  readonly decisionId: string;
  readonly impressionUrl: string;
  readonly clickUrl: string;
  /** RFC 3339: the decision time plus the URL lifetime. */
  readonly expiresAt: string;
}

/** Makes a decision's tracking URLs. */
export interface TrackingUrls {
  /** A new decision id (never issued before by this cluster) and its two signed URLs. */
  issue(adId: string, now: number): IssuedDecision;
}

/** What a valid token says. */
export interface TrackingToken {
  readonly kind: FireKind;
  readonly adId: string;
  readonly signer: number;
  readonly hour: number;
  readonly n: number;
  /** Epoch ms of the decision. */
  readonly decidedAt: number;
  /** Epoch ms after which a fire is refused (`410 gone`). */
  readonly expiresAt: number;
}

export type TokenCheck =
  | { readonly ok: true; readonly token: TrackingToken }
  | { readonly ok: false; readonly reason: 'expired'; readonly token: TrackingToken }
  | { readonly ok: false; readonly reason: 'invalid' };

/** Checks tokens without any store. */
export interface TrackingTokenVerifier {
  /**
   * `invalid` for a token this cluster did not sign (altered, truncated, another secret's);
   * `expired` for a valid one whose `expiresAt` is before `now` (a token is checked for its
   * signature first, so an unsigned one is never `expired`).
   */
  verify(token: string, now: number): TokenCheck;
}

export const TRACKING_PATH = '/api/v1/t/';

const VERSION = 2;
/** One HMAC per URL (accepted, no longer issued). */
const VERSION_1 = 1;
const KIND_BIT = 0x10;
const UUID_BIT = 0x20;
const HEADER = 21;
const MAC = 16;
const HOUR_MS = 3_600_000;
const MAX_U32 = 0xffff_ffff;
const MAX_ENCODED = 100_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface TrackingUrlsOptions {
  /** The signing secret (32+ characters). */
  readonly secret: string;
  /** This process's signer id, unique in the cluster for the secret's life (uint32). */
  readonly signer: number;
  /** URL lifetime in seconds (TRACKING_URL_TTL_S). */
  readonly ttlSeconds: number;
}

export function decisionIdOf(signer: number, hour: number, n: number): string {
  return `${signer.toString(36)}.${hour.toString(36)}.${n.toString(36)}`;
}

const encodeAdId = (adId: string): { flag: number; bytes: Buffer } =>
  UUID.test(adId)
    ? { flag: UUID_BIT, bytes: Buffer.from(adId.replaceAll('-', ''), 'hex') }
    : { flag: 0, bytes: Buffer.from(adId, 'utf8') };

const decodeUuid = (b: Buffer, at: number): string => {
  const hex = b.toString('hex', at, at + 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

/** SHA-256's block size: HMAC pads its key to it. */
const BLOCK = 64;
/** SHA-256's digest size. */
const DIGEST = 32;
/** Longest message the prepared buffers take; longer ones (long non-UUID ad ids) use createHmac. */
const MAX_FAST_MESSAGE = 512;

/**
 * HMAC-SHA256 under `key` (at most one block long) of `b`'s first `end` bytes, as RFC 2104 writes
 * it: H((K ^ opad) || H((K ^ ipad) || m)), with the padded keys laid once in buffers the message
 * and the inner digest are copied behind. Two one-shot `hash` calls cost less than building an
 * `Hmac` object per token, which was the larger part of signing; each digest comes back as a
 * latin1 string (one byte per character) written into a kept buffer, since a digest returned as
 * a Buffer allocates memory of its own, which cost more than the hashing. The MAC is returned in
 * a buffer the next call overwrites: use it before signing again.
 */
function hmacOf(key: Buffer): (b: Buffer, end: number) => Buffer {
  const inner = Buffer.alloc(BLOCK + MAX_FAST_MESSAGE);
  const outer = Buffer.alloc(BLOCK + DIGEST);
  const digest = Buffer.alloc(DIGEST);
  for (let i = 0; i < BLOCK; i++) {
    inner[i] = (key[i] ?? 0) ^ 0x36;
    outer[i] = (key[i] ?? 0) ^ 0x5c;
  }
  return (b, end) => {
    if (end > MAX_FAST_MESSAGE) return createHmac('sha256', key).update(b.subarray(0, end)).digest();
    b.copy(inner, BLOCK, 0, end);
    outer.write(hash('sha256', inner.subarray(0, BLOCK + end), 'binary'), BLOCK, 'latin1');
    digest.write(hash('sha256', outer, 'binary'), 0, 'latin1');
    return digest;
  };
}

export function createTrackingUrls(options: TrackingUrlsOptions): TrackingUrls & TrackingTokenVerifier {
  if (options.secret.length < 32) throw new Error('tracking secret: 32 characters at least');
  if (!Number.isInteger(options.signer) || options.signer < 0 || options.signer > MAX_U32) {
    throw new Error('tracking signer: an integer 0..2^32-1');
  }
  if (!Number.isInteger(options.ttlSeconds) || options.ttlSeconds < 1 || options.ttlSeconds > MAX_U32) {
    throw new Error('tracking URL lifetime: a positive integer of seconds');
  }
  // A key of its own, so the configured secret could sign other things without confusion.
  const key = createHmac('sha256', options.secret).update('adsm tracking url v1').digest();
  const mac = hmacOf(key);
  /** M of a version 2 token: the bytes before `end` with the kind bit cleared. */
  const decisionMac = (b: Buffer, end: number): Buffer => {
    const flags = b[0]!;
    b[0] = flags & ~KIND_BIT;
    const m = mac(b, end);
    b[0] = flags;
    return m;
  };
  const { signer, ttlSeconds } = options;
  // The token bytes of ad ids lately decided (a decision is for a few of the catalogue's ads).
  const encoded = new Map<string, { flag: number; bytes: Buffer }>();
  // Next n per hour; an hour seen again after the clock stepped back continues where it was.
  const counters = new Map<number, number>();

  // The ads of one decision share its time, so its expiry is formatted once.
  let lastNow = NaN;
  let lastExpiresAt = '';
  const expiresAtOf = (now: number): string => {
    if (now !== lastNow) {
      lastExpiresAt = new Date(now + ttlSeconds * 1000).toISOString();
      lastNow = now;
    }
    return lastExpiresAt;
  };

  const scratch = Buffer.alloc(HEADER + 64 + MAC);
  /** Both tokens of one decision: its bytes signed once, each URL with its half of the MAC. */
  const sign = (flags: number, hour: number, n: number, offset: number, ad: Buffer): [string, string] => {
    const size = HEADER + ad.length;
    // Both URLs are read out of it as text before the next decision is signed.
    const b = size + MAC <= scratch.length ? scratch.subarray(0, size + MAC) : Buffer.allocUnsafe(size + MAC);
    b[0] = flags;
    b.writeUInt32BE(signer, 1);
    b.writeUInt32BE(hour, 5);
    b.writeUInt32BE(n, 9);
    b.writeUInt32BE(offset, 13);
    b.writeUInt32BE(ttlSeconds, 17);
    ad.copy(b, HEADER);
    const m = mac(b, size);
    m.copy(b, size, 0, MAC);
    const impression = b.toString('base64url');
    b[0] = flags | KIND_BIT;
    m.copy(b, size, MAC, 2 * MAC);
    return [impression, b.toString('base64url')];
  };

  // Decision ids of one hour share their prefix (`signer.hour.`).
  let prefixHour = NaN;
  let prefix = '';

  return {
    issue(adId, now) {
      const hour = Math.floor(now / HOUR_MS);
      if (hour !== prefixHour) {
        prefix = `${signer.toString(36)}.${hour.toString(36)}.`;
        prefixHour = hour;
      }
      const n = counters.get(hour) ?? 0;
      if (n > MAX_U32) throw new Error('tracking: decision counter of this hour exhausted');
      counters.set(hour, n + 1);
      if (counters.size > 4) {
        for (const h of counters.keys()) if (h < hour - 2) counters.delete(h);
      }
      const offset = now - hour * HOUR_MS;
      let ad = encoded.get(adId);
      if (ad === undefined) {
        if (encoded.size >= MAX_ENCODED) encoded.clear();
        ad = encodeAdId(adId);
        encoded.set(adId, ad);
      }
      const { flag, bytes } = ad;
      const [impression, click] = sign(VERSION | flag, hour, n, offset, bytes);
      return {
        decisionId: prefix + n.toString(36),
        impressionUrl: TRACKING_PATH + impression,
        clickUrl: TRACKING_PATH + click,
        expiresAt: expiresAtOf(now),
      };
    },

    verify(text, now) {
      if (text.length < 48 || text.length > 800) return { ok: false, reason: 'invalid' };
      const b = Buffer.from(text, 'base64url');
      // Re-encoding must give the token back: no second spelling of the same bytes is accepted.
      if (b.length < HEADER + 1 + MAC || b.toString('base64url') !== text)
        return { ok: false, reason: 'invalid' };
      const end = b.length - MAC;
      const flags = b[0] ?? 0;
      const version = flags & 0x0f;
      if ((version !== VERSION && version !== VERSION_1) || (flags & ~0x3f) !== 0)
        return { ok: false, reason: 'invalid' };
      const expected =
        version === VERSION_1
          ? mac(b, end).subarray(0, MAC)
          : flags & KIND_BIT
            ? decisionMac(b, end).subarray(MAC, 2 * MAC)
            : decisionMac(b, end).subarray(0, MAC);
      if (!timingSafeEqual(expected, b.subarray(end))) return { ok: false, reason: 'invalid' };
      const uuid = (flags & UUID_BIT) !== 0;
      if (uuid && end - HEADER !== 16) return { ok: false, reason: 'invalid' };
      const hour = b.readUInt32BE(5);
      const decidedAt = hour * HOUR_MS + b.readUInt32BE(13);
      const token: TrackingToken = {
        kind: flags & KIND_BIT ? 'click' : 'impression',
        adId: uuid ? decodeUuid(b, HEADER) : b.toString('utf8', HEADER, end),
        signer: b.readUInt32BE(1),
        hour,
        n: b.readUInt32BE(9),
        decidedAt,
        expiresAt: decidedAt + b.readUInt32BE(17) * 1000,
      };
      return now > token.expiresAt ? { ok: false, reason: 'expired', token } : { ok: true, token };
    },
  };
}

/**
 * This process's tracking URLs: signed with `secret` (TRACKING_SECRET) or, without one, with the
 * cluster's stored secret (made now by the first process that asks), under a fresh signer id.
 */
export async function openTrackingUrls(options: {
  readonly secret?: string | undefined;
  readonly ttlSeconds: number;
  readonly keys: Pick<TrackingKeys, 'secret' | 'newSigner'>;
}): Promise<TrackingUrls & TrackingTokenVerifier> {
  const secret = options.secret ?? (await options.keys.secret(randomBytes(32).toString('base64url')));
  const signer = await options.keys.newSigner();
  return createTrackingUrls({ secret, signer, ttlSeconds: options.ttlSeconds });
}
