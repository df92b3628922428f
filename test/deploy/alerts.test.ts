import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  dashboardExpressions,
  exposedNames,
  metricsOf,
  ROOT,
  ruleExpressions,
} from '../support/monitoring.js';

function has(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('alert rules', () => {
  // Reason for skipIf: promtool comes with Debian's `prometheus` package, which .ci/run installs.
  it.skipIf(!has('promtool'))(
    'pass promtool’s check and their unit tests (each fires, and stays quiet when healthy)',
    () => {
      const dir = `${ROOT}deploy/prometheus`;
      execFileSync('promtool', ['check', 'rules', 'alerts.yml'], { cwd: dir, stdio: 'pipe' });
      const out = execFileSync('promtool', ['test', 'rules', 'alerts.test.yml'], {
        cwd: dir,
        encoding: 'utf8',
      });
      expect(out).toContain('SUCCESS');
      execFileSync('promtool', ['check', 'config', 'prometheus.yml'], { cwd: dir, stdio: 'pipe' });
    },
  );

  it('cover what an operator must hear about', () => {
    const names = ruleExpressions().map((r) => r.name);
    for (const alert of [
      'AdsmReplicaNotReady',
      'AdsmReplicationLag',
      'AdsmStoreUnavailable',
      'AdsmSpoolGrowing',
      'AdsmHigh5xxRate',
      'AdsmPublicQuerySlow',
    ]) {
      expect(names).toContain(alert);
    }
  });
});

describe('reading the metrics of rules and panels', () => {
  it('finds the metric names of an expression, not its functions, labels or durations', () => {
    expect(
      metricsOf(
        'histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket{job="adsm",route=~"/api.*"}[5m]))) > 0.05',
      ),
    ).toEqual(['http_request_duration_seconds_bucket']);
    expect(metricsOf('adsm_lag > 0 and changes(adsm_seq[2m]) == 0 or on (instance) up == 0')).toEqual([
      'adsm_lag',
      'adsm_seq',
    ]);
    expect(
      metricsOf('sum(rate(x_total{status=~"5.."}[5m])) / sum(rate(x_total[5m] offset 1h)) > 1e-2'),
    ).toEqual(['x_total']);
  });

  it('knows which sample names an exposition holds, histograms’ buckets included', () => {
    const names = exposedNames(
      '# HELP a_seconds x\n# TYPE a_seconds histogram\n# TYPE b_total counter\nb_total{x="1"} 3\nc 1\n',
    );
    expect([...names].sort()).toEqual(
      ['a_seconds', 'a_seconds_bucket', 'a_seconds_count', 'a_seconds_sum', 'b_total', 'c'].sort(),
    );
  });

  it('every rule and panel reads at least one metric', () => {
    for (const { name, expr } of [...ruleExpressions(), ...dashboardExpressions()]) {
      if (expr.trim() === 'sum(up{job="adsm"})' || /^up\{/.test(expr)) continue;
      expect(metricsOf(expr).length, `${name}: ${expr}`).toBeGreaterThan(0);
    }
  });
});
