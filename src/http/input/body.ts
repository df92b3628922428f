import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { incomingOf } from '../edge/node-request.js';
import {
  clientClosed,
  invalidJson,
  payloadTooLarge,
  unsupportedEncoding,
  unsupportedMediaType,
} from '../../model/errors.js';

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
  if (header === 'application/json') return true;
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

/** Whether a `Content-Length` header declares more than `limit` bytes (413 before reading). */
export function declaresMoreThan(contentLength: string | undefined, limit: number): boolean {
  return contentLength !== undefined && /^\d+$/.test(contentLength.trim()) && Number(contentLength) > limit;
}

function joined(chunks: readonly Uint8Array[], size: number): Uint8Array {
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
 * Reads a Node request's body up to `limit` bytes; `undefined` when it is larger (reading stops
 * there, and the answer closes the connection). A client that goes away first is
 * `client_closed`. Used instead of `c.req.raw.body`, which
 * makes @hono/node-server build a whole `Request` (AbortController, web streams): a third of a
 * write's CPU.
 */
export function readBodyUpTo(incoming: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    if (incoming.readableEnded) return resolve(Buffer.alloc(0));
    if (incoming.destroyed) return reject(clientClosed());
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (fn: () => void) => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
      fn();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size <= limit) return void chunks.push(chunk);
      incoming.pause();
      settle(() => resolve(undefined));
    };
    const onEnd = () => settle(() => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    // The only errors a request's stream raises are its connection's: the client went away.
    const onError = () => settle(() => reject(clientClosed()));
    const onClose = () => {
      if (!incoming.readableEnded) settle(() => reject(clientClosed()));
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}

async function readStream(stream: ReadableStream<Uint8Array> | null): Promise<Uint8Array> {
  if (!stream) return new Uint8Array(0);
  const reader = stream.getReader();
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
  return joined(chunks, size);
}

function readLimited(c: Context): Promise<Uint8Array> {
  if (declaresMoreThan(c.req.header('content-length'), MAX_BODY_BYTES))
    return Promise.reject(payloadTooLarge(MAX_BODY_BYTES));
  return readStream(c.req.raw.body);
}

/**
 * Reads a write's JSON body with the contract's checks in order: size (413, from
 * `Content-Length` and from the bytes actually read, so chunked bodies count too), media type
 * (415), then JSON syntax and UTF-8 (400 `invalid_json`).
 */
export async function readJsonBody(c: Context): Promise<unknown> {
  const incoming = incomingOf(c);
  if (incoming) return readJsonRequest(incoming);
  const bytes = await readLimited(c);
  checkJsonHeaders(c.req.header('content-encoding'), c.req.header('content-type'));
  return parseJsonBytes(bytes);
}

/**
 * Every value of header `name` (lower case) joined by `, `, as a fetch `Headers` reads them:
 * Node's `headers` keeps only the first `Content-Type`, and a request sending two is refused.
 */
function headerValue(raw: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!;
    if (n.length === name.length && n.toLowerCase() === name)
      value = value === undefined ? raw[i + 1]! : `${value}, ${raw[i + 1]!}`;
  }
  return value;
}

/**
 * `readJsonBody` of a request on bare node:http (the same checks, in the same order), with a
 * body of at most `limit` bytes: every node:http route that takes a JSON body reads it here.
 */
export async function readJsonRequest(incoming: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  return parseJsonBytes(await readJsonBytes(incoming, limit));
}

/**
 * `readJsonRequest` up to the JSON syntax: the body's bytes once its size, encoding and type
 * passed, for a route that reads its common bodies from the bytes (and the rest with
 * `parseJsonBytes`).
 */
export async function readJsonBytes(incoming: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const raw = incoming.rawHeaders;
  if (declaresMoreThan(headerValue(raw, 'content-length'), limit)) throw payloadTooLarge(limit);
  const bytes = await readBodyUpTo(incoming, limit);
  if (bytes === undefined) throw payloadTooLarge(limit);
  checkJsonHeaders(headerValue(raw, 'content-encoding'), headerValue(raw, 'content-type'));
  return bytes;
}

/** 415 for a body that is compressed or not JSON. */
function checkJsonHeaders(encoding: string | undefined, type: string | undefined): void {
  if (!isIdentityEncoding(encoding)) throw unsupportedEncoding();
  if (!isJsonContentType(type)) throw unsupportedMediaType();
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
