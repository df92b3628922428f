import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_TABLE, methodsByPath, nodeDispatch, readmeRow } from '../../src/http/route-table.js';
import { exchange } from '../support/raw-http.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/** The route table is the truth: the app, `/openapi.json`, the 405s and the README agree with it. */

let t: TestApp;
let port: number;
beforeAll(async () => {
  t = await createTestApp({ adminToken: 'route-table-token', config: { EVENTS_TOKEN: 'events-token-x' } });
  port = await t.listen();
});
afterAll(() => t.close());

const key = (method: string, path: string) => `${method} ${path}`;
const tableKeys = (server?: 'node' | 'hono') =>
  ROUTE_TABLE.filter((e) => server === undefined || e.server === server).map((e) => key(e.method, e.path));

/** Table routes that `/openapi.json` does not describe: pages and files, not API. */
const UNDOCUMENTED = [
  'GET /',
  'GET /admin',
  'GET /admin/assets/:file',
  'GET /admin/cluster.json',
  'GET /docs/:file',
];

describe('the route table', () => {
  it('names every route the hono app serves, and the app serves every hono entry and no node one', () => {
    const served = t.app.routes
      .filter((r) => r.method !== 'ALL' && r.path !== '*' && r.path !== '/*')
      .map((r) => key(r.method, r.path));
    expect([...new Set(served)].sort()).toEqual([...tableKeys('hono')].sort());
  });

  it('hands the server exactly the node:http routes it lists, or the replica does not start', () => {
    const paths = [...new Set(ROUTE_TABLE.filter((e) => e.server === 'node').map((e) => e.path))];
    const handlers = Object.fromEntries(paths.map((p) => [p, () => false]));
    expect(() => nodeDispatch(handlers)).not.toThrow();
    expect(() => nodeDispatch({ ...handlers, '/api/v1/other': () => false })).toThrow(/route table/);
    const { [paths[0]!]: _, ...missing } = handlers;
    expect(() => nodeDispatch(missing)).toThrow(/route table/);
  });

  it('is what /openapi.json describes, with the same security', async () => {
    const doc = (await (await t.app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { security?: Record<string, unknown>[] }>>;
    };
    const described = new Map<string, string>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const scheme = Object.keys(op.security?.[0] ?? {})[0];
        described.set(key(method.toUpperCase(), path.replace(/\{(\w+)\}/g, ':$1')), scheme ?? 'open');
      }
    }
    const expected = new Map(
      ROUTE_TABLE.filter((e) => !UNDOCUMENTED.includes(key(e.method, e.path))).map((e) => [
        key(e.method, e.path),
        e.auth === 'admin' ? 'bearerAuth' : e.auth === 'events' ? 'eventsAuth' : 'open',
      ]),
    );
    expect(Object.fromEntries(described)).toEqual(Object.fromEntries(expected));
  });

  it('answers another method on each of its paths with 405 and the Allow it lists', async () => {
    for (const [path, methods] of methodsByPath()) {
      const concrete = path.replace(/:\w+/g, 'x');
      const res = await exchange(port, `PATCH ${concrete} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      const allow = methods.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m]));
      expect(res.answers[0]?.status, path).toBe(405);
      expect(
        res.answers[0]?.headers.allow
          ?.split(',')
          .map((m) => m.trim())
          .sort(),
        path,
        // A tracking URL takes no HEAD: fetching its headers must not count a fire.
      ).toEqual(path.startsWith('/api/v1/t/') ? methods.slice().sort() : allow.sort());
    }
  });

  it('is the README route table, row for row', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('| route | auth | does |');
    expect(start, 'the README has a `| route | auth | does |` table').toBeGreaterThan(0);
    const rows = readme
      .slice(start)
      .split('\n')
      .slice(2)
      .filter((_, i, all) => all.slice(0, i + 1).every((l) => l.startsWith('|')));
    expect(rows.join('\n')).toBe(ROUTE_TABLE.map(readmeRow).join('\n'));
  });
});
