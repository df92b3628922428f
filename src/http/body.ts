import type { Context } from 'hono';
import { invalidJson, payloadTooLarge, unsupportedEncoding, unsupportedMediaType } from '../model/errors.js';

/** Largest request body accepted, in bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

const JSON_MEDIA_TYPE = /^application\/json$/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * `application/json`, optionally with parameters; a `charset` parameter must name UTF-8, the only
 * encoding JSON allows (RFC 8259 §8.1).
 */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const [type = '', ...params] = header.split(';');
  if (!JSON_MEDIA_TYPE.test(type.trim())) return false;
  for (const param of params) {
    const eq = param.indexOf('=');
    const name = param
      .slice(0, eq === -1 ? undefined : eq)
      .trim()
      .toLowerCase();
    if (name !== 'charset') continue;
    const value = param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
    if (value !== 'utf-8' && value !== 'utf8') return false;
  }
  return true;
}

/** No `Content-Encoding`, or `identity`: bodies are read as sent, never decompressed. */
export function isIdentityEncoding(header: string | undefined): boolean {
  return header === undefined || header.trim().toLowerCase() === 'identity' || header.trim() === '';
}

async function readLimited(c: Context): Promise<Uint8Array> {
  const declared = c.req.header('content-length');
  if (declared !== undefined && /^\d+$/.test(declared.trim()) && Number(declared) > MAX_BODY_BYTES) {
    throw payloadTooLarge(MAX_BODY_BYTES);
  }
  const stream = c.req.raw.body;
  if (!stream) return new Uint8Array(0);
  const reader = (stream as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw payloadTooLarge(MAX_BODY_BYTES);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

/**
 * Reads a write's JSON body with the contract's checks in order: size (413, from
 * `Content-Length` and from the bytes actually read, so chunked bodies count too), media type
 * (415), then JSON syntax and UTF-8 (400 `invalid_json`).
 */
export async function readJsonBody(c: Context): Promise<unknown> {
  const bytes = await readLimited(c);
  if (!isIdentityEncoding(c.req.header('content-encoding'))) throw unsupportedEncoding();
  if (!isJsonContentType(c.req.header('content-type'))) throw unsupportedMediaType();
  return parseJsonBytes(bytes);
}

/** A body's bytes as JSON: invalid UTF-8 or JSON syntax is 400 `invalid_json`. */
export function parseJsonBytes(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw invalidJson('request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalidJson();
  }
}
