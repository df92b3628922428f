import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardExpressions, exposedNames, metricsOf, ruleExpressions } from '../support/monitoring.js';
import { Cluster } from './cluster.js';
import { startServer, tempDir, type Server } from './process.js';

/**
 * Every metric the alert rules (deploy/prometheus/alerts.yml) and the dashboard
 * (deploy/grafana/dashboards/adsm.json) read is exposed by a running replica, embedded and
 * replicated: an alert on a metric that does not exist never fires.
 */

const used = [...ruleExpressions(), ...dashboardExpressions()].flatMap(({ name, expr }) =>
  metricsOf(expr).map((metric) => ({ metric, where: name })),
);

async function missing(server: Server): Promise<string[]> {
  const res = await fetch(`${server.url}/metrics`);
  expect(res.status).toBe(200);
  const exposed = exposedNames(await res.text());
  return used.filter((u) => !exposed.has(u.metric)).map((u) => `${u.metric} (${u.where})`);
}

describe('metrics of the rules and the dashboard', () => {
  const cluster = new Cluster(14);
  const dir = tempDir();
  let embedded: Server;
  let replicated: Server;

  beforeAll(async () => {
    await cluster.setup();
    [embedded, replicated] = await Promise.all([
      startServer({ env: { DATA_DIR: dir.path } }),
      cluster.start(),
    ]);
  });
  afterAll(async () => {
    await embedded?.stop();
    await cluster.teardown();
    dir.remove();
  });

  it('reads some metrics at all', () => {
    expect(used.length).toBeGreaterThan(10);
  });

  it('are all exposed in embedded mode', async () => {
    expect(await missing(embedded)).toEqual([]);
  });

  it('are all exposed in replicated mode', async () => {
    expect(await missing(replicated)).toEqual([]);
  });
});
