import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/**
 * The metrics that the alert rules and the Grafana dashboard of `deploy/` read, and the series a
 * replica's `/metrics` exposes: a rule or panel on a metric nobody exposes watches nothing.
 */

export const ROOT = new URL('../../', import.meta.url).pathname;

/** Series Prometheus makes itself rather than scraping them. */
const PROMETHEUS_MADE = new Set(['up', 'scrape_duration_seconds', 'ALERTS', 'ALERTS_FOR_STATE']);

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'inf',
  'nan',
  'atan2',
]);

/** Metric names an expression reads (functions, keywords, labels, strings and durations left out). */
export function metricsOf(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const name = m[0];
    const after = bare.slice(m.index + name.length).trimStart();
    const before = bare[m.index - 1];
    if (after.startsWith('(')) continue; // a function
    if (KEYWORDS.has(name.toLowerCase())) continue;
    if (before !== undefined && /[0-9.]/.test(before)) continue; // 5m, 1e3
    names.add(name);
  }
  return [...names].filter((n) => !PROMETHEUS_MADE.has(n));
}

/** Every expression of the alert rules file. */
export function ruleExpressions(
  file = `${ROOT}deploy/prometheus/alerts.yml`,
): { name: string; expr: string }[] {
  const doc = parse(readFileSync(file, 'utf8')) as {
    groups: { rules: { alert?: string; record?: string; expr: string }[] }[];
  };
  return doc.groups.flatMap((g) => g.rules.map((r) => ({ name: r.alert ?? r.record ?? '?', expr: r.expr })));
}

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

/** Every query of the dashboard's panels (rows' panels included). */
export function dashboardExpressions(
  file = `${ROOT}deploy/grafana/dashboards/adsm.json`,
): { name: string; expr: string }[] {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { panels: Panel[] };
  const walk = (panels: Panel[]): { name: string; expr: string }[] =>
    panels.flatMap((p) => [
      ...(p.targets ?? []).filter((t) => t.expr).map((t) => ({ name: p.title ?? '?', expr: t.expr! })),
      ...walk(p.panels ?? []),
    ]);
  return walk(doc.panels);
}

/** Sample names a Prometheus text exposition can hold, from its `# TYPE` lines. */
export function exposedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const m of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m as unknown as [string, string, string];
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
  }
  for (const m of exposition.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/gm)) names.add(m[1]!);
  return names;
}
