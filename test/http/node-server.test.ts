import { describe, expect, it } from 'vitest';
import { adBody } from './helpers.js';
import { servedOverHttp } from './served.js';

/** The app behind a real node HTTP server: bodies arrive as streams, chunked or not. */

const { send } = servedOverHttp();

describe('over a real socket', () => {
  it('a chunked body over 64 KiB → 413', async () => {
    const text = JSON.stringify(adBody({ pad: 'y'.repeat(70_000) }));
    const chunks = text.match(/[\s\S]{1,4096}/g)!;
    const res = await send('POST', '/api/v1/ad', chunks, {
      'content-type': 'application/json',
      'transfer-encoding': 'chunked',
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual({
      error: { code: 'payload_too_large', message: expect.any(String) as string, details: [] },
    });
  });

  it('a chunked JSON body within the limit creates the ad', async () => {
    const text = JSON.stringify(adBody({ title: 'streamed' }));
    const res = await send('POST', '/api/v1/ad', [text.slice(0, 10), text.slice(10)], {
      'content-type': 'application/json',
      'transfer-encoding': 'chunked',
    });
    expect(res.status).toBe(201);
    expect((JSON.parse(res.body) as { title: string }).title).toBe('streamed');
  });

  it('a Content-Length over 64 KiB → 413', async () => {
    const text = JSON.stringify(adBody({ pad: 'y'.repeat(70_000) }));
    const res = await send('POST', '/api/v1/ad', [text], {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
    });
    expect(res.status).toBe(413);
  });

  it('the public query works through the server', async () => {
    const res = await send('GET', '/api/v1/ad?limit=5&country=tw', [], {});
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ items: [expect.objectContaining({ title: 'streamed' })] });
  });
});
