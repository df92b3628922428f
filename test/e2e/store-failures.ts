/**
 * What every Postgres outage must look like from outside, checked against a running replica:
 * writes 503 `store_unavailable` with `Retry-After`, reads from memory, `/readyz` and
 * `adsm_store_up` saying so, events accepted into the spool, keyed events 503, one log line.
 */
import { expect } from 'vitest';
import { metric, publicView, sleep } from './cluster.js';
import { adBody, post, type Server } from './process.js';

export const events = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/api/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

let keys = 0;

/** Times the replica logged the start of an outage. */
export const outagesLogged = (server: Server): number =>
  server.output().split('store unreachable').length - 1;

/** A write answered 503 `store_unavailable` with `Retry-After`, never a 500. */
export async function expectWriteUnavailable(server: Server, label: string): Promise<void> {
  const res = await post(server.url, adBody(0, { title: `during ${label}` }));
  const text = await res.text();
  expect(res.status, `${label}: ${text}`).toBe(503);
  expect((JSON.parse(text) as { error: { code: string } }).error.code).toBe('store_unavailable');
  expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
}

/**
 * The whole outage picture: writes 503, reads of `known` from memory, `/readyz` 200 with
 * `store: unavailable`, `adsm_store_up` 0, events accepted (202) and keyed events 503.
 */
export async function expectOutage(
  server: Server,
  known: string,
  label: string,
  opts: { keyedEvents?: 202 | 503 } = {},
): Promise<void> {
  await expectWriteUnavailable(server, label);
  expect((await publicView(server)).map((a) => a.id)).toContain(known);
  expect((await fetch(`${server.url}/api/v1/ad/${known}`)).status).toBe(200);
  const ready = await fetch(`${server.url}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toMatchObject({ status: 'ready', store: 'unavailable' });
  expect(await metric(server, 'adsm_store_up')).toBe(0);
  const plain = await events(server.url, [{ type: 'impression', adId: known }]);
  expect(plain.status, await plain.clone().text()).toBe(202);
  const keyed = await events(server.url, [{ type: 'click', adId: known }], {
    'idempotency-key': `outage-${label}-${++keys}`,
  });
  expect(keyed.status, await keyed.clone().text()).toBe(opts.keyedEvents ?? 503);
  if (keyed.status === 503) {
    expect(((await keyed.json()) as { error: { code: string } }).error.code).toBe('store_unavailable');
    expect(keyed.headers.get('retry-after')).toMatch(/^\d+$/);
  }
}

/** Writes work again without a restart (within `timeoutMs`); then ready and up, with no trouble shown. */
export async function expectRecovered(server: Server, label: string, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const seen: number[] = [];
  for (;;) {
    const res = await post(server.url, adBody(0, { title: `after ${label}` }));
    seen.push(res.status);
    if (res.status === 201) {
      const { id } = (await res.json()) as { id: string };
      expect(
        seen.filter((s) => s !== 201 && s !== 503),
        `${label}: ${seen.join(',')}`,
      ).toEqual([]);
      await expectEventually(async () => {
        expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({ status: 'ready' });
        expect(await metric(server, 'adsm_store_up')).toBe(1);
      });
      const keyed = await events(server.url, [{ type: 'click', adId: id }], {
        'idempotency-key': `after-${label}-${++keys}`,
      });
      expect(keyed.status).toBe(202);
      return id;
    }
    await res.text();
    if (Date.now() > deadline)
      throw new Error(`${label}: writes did not recover: ${seen.join(',')}\n${server.output().slice(-3000)}`);
    await sleep(200);
  }
}

export async function expectEventually(check: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(100);
    }
  }
}
