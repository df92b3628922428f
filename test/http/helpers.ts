import { expect } from 'vitest';
import { entriesOf } from '../../src/http/route-table.js';
import { createTestApp, type TestApp, type TestAppOptions } from '../support/test-app.js';

/**
 * Helpers for the HTTP contract tests: the production composition of a replica, a manual clock.
 * A request goes where production sends it: to the served node:http server for a path the route
 * table answers on node:http, to `app.request()` for the paths hono serves.
 */

import { T0, HOUR, DAY } from '../support/ads.js';

export { T0, HOUR, DAY };
export const iso = (ms: number): string => new Date(ms).toISOString();

export interface AdJson {
  id: string;
  title: string;
  startAt: string;
  endAt: string;
  conditions: Record<string, unknown>[];
  delivery: {
    priority: number;
    weight: number;
    goals: Record<'impressions' | 'clicks' | 'dailyImpressions' | 'dailyClicks', number | null>;
    pacing: string;
    frequencyCaps: { impressions: number; seconds: number }[];
  };
  creative: { landingUrl: string | null; data: Record<string, unknown> | null } | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  status?: string;
}

export interface ErrorJson {
  error: { code: string; message: string; details: { path: string; message: string }[] };
}

export const adBody = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  title: 'AD 55',
  startAt: iso(T0 - HOUR),
  endAt: iso(T0 + DAY),
  ...over,
});

export class Client {
  private port: Promise<number> | undefined;

  constructor(
    readonly t: TestApp,
    readonly token?: string,
  ) {}

  get app() {
    return this.t.app;
  }

  /** `path` sent to the replica's node:http server (listening from the first call), as a client would. */
  async served(path: string, init: RequestInit = {}): Promise<Response> {
    const port = await (this.port ??= this.t.listen());
    return fetch(`http://127.0.0.1:${port}${path}`, init);
  }

  private auth(headers: Record<string, string>): Record<string, string> {
    return this.token === undefined ? headers : { authorization: `Bearer ${this.token}`, ...headers };
  }

  /** `path` served, or through hono, as production routes it; with the headers given, no more. */
  async routed(path: string, init: RequestInit = {}): Promise<Response> {
    const pathname = new URL(path, 'http://x').pathname;
    return entriesOf(pathname).some((e) => e.server === 'node')
      ? this.served(path, init)
      : this.app.request(path, init);
  }

  /** A request with the client's token, routed as production routes its path. */
  request(path: string, init: RequestInit & { headers?: Record<string, string> } = {}) {
    return this.routed(path, { ...init, headers: this.auth(init.headers ?? {}) });
  }

  send(method: string, path: string, body: unknown, headers: Record<string, string> = {}) {
    return this.request(path, {
      method,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...headers },
    });
  }

  async create(over: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<AdJson> {
    const res = await this.send('POST', '/api/v1/ad', adBody(over), headers);
    expect(res.status, await res.clone().text()).toBe(201);
    return (await res.json()) as AdJson;
  }

  async get(id: string): Promise<AdJson> {
    const res = await this.request(`/api/v1/ad/${id}`);
    expect(res.status).toBe(200);
    return (await res.json()) as AdJson;
  }

  /** Ids on the public page for `search` (a query string without `?`). */
  async publicIds(search = 'limit=100'): Promise<string[]> {
    const res = await this.served(`/api/v1/ad?${search}`);
    expect(res.status, await res.clone().text()).toBe(200);
    const body = (await res.json()) as { items: { id: string }[] };
    return body.items.map((i) => i.id);
  }
}

export async function setup(opts: TestAppOptions = {}): Promise<Client> {
  const t = await createTestApp(opts);
  return new Client(t, opts.adminToken);
}

/** Asserts the contract's error body and returns it. */
export async function expectError(res: Response, status: number, code: string): Promise<ErrorJson> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = JSON.parse(text) as ErrorJson;
  expect(body).toEqual({
    error: {
      code,
      message: expect.any(String) as string,
      details: expect.any(Array) as unknown[],
    },
  });
  for (const d of body.error.details) {
    expect(Object.keys(d).sort()).toEqual(['message', 'path']);
    expect(typeof d.path).toBe('string');
    expect(typeof d.message).toBe('string');
  }
  expect(text).not.toMatch(/\n\s+at /);
  return body;
}
