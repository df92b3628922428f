import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { tcpProxy } from '../../test/e2e/tracking-load.js';
import { adBody, expectError, Client } from '../../test/http/helpers.js';
import { createTestApp } from '../../test/support/test-app.js';
import { migratePostgres } from '../db/postgres-migrate.js';
import { createPostgresStore } from '../store/postgres-store.js';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const schema = `outage_${randomBytes(4).toString('hex')}`;
const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });

afterAll(async () => {
  await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  await admin.end();
});

describe('Postgres unreachable', () => {
  it('answers writes 503 store_unavailable with Retry-After, keeps serving reads, says so once', async () => {
    await migratePostgres(admin, { schema });
    const proxy = await tcpProxy(Number(new URL(DATABASE_URL).port || 5432));
    const url = new URL(DATABASE_URL);
    url.port = String(proxy.port);
    const pool = new pg.Pool({ connectionString: url.toString(), max: 4, connectionTimeoutMillis: 1000 });
    pool.on('error', () => undefined);
    const changes: boolean[] = [];
    const t = await createTestApp({
      store: createPostgresStore({ pool, schema }),
      onStoreAvailability: (available) => changes.push(available),
    });
    const client = new Client(t);
    try {
      const kept = await client.create({ title: 'before the outage' });

      proxy.down();
      for (let i = 0; i < 5; i++) {
        const res = await client.send('POST', '/api/v1/ad', adBody({ title: `during ${i}` }));
        expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
        await expectError(res, 503, 'store_unavailable');
      }
      const put = await client.send('PUT', `/api/v1/ad/${kept.id}`, adBody({ title: 'no' }));
      await expectError(put, 503, 'store_unavailable');
      expect(await client.publicIds()).toEqual([kept.id]);
      expect(await client.get(kept.id)).toMatchObject({ title: 'before the outage' });
      const ready = await client.app.request('/readyz');
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', store: 'unavailable' });
      expect(await (await client.app.request('/metrics')).text()).toMatch(/^adsm_store_up 0$/m);
      expect(changes).toEqual([false]);

      proxy.up();
      const after = await client.create({ title: 'after the outage' });
      expect(after.title).toBe('after the outage');
      expect(changes).toEqual([false, true]);
      expect(await (await client.app.request('/readyz')).json()).toEqual({ status: 'ready' });
      expect(await (await client.app.request('/metrics')).text()).toMatch(/^adsm_store_up 1$/m);
    } finally {
      await t.close();
      await pool.end();
      await proxy.close();
    }
  });
});
