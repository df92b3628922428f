import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/wiring/config.js';

/**
 * deploy/k8s against the Kubernetes API's JSON schemas (bundled by `kubernetes-models`, offline),
 * and against what adsm itself needs: probes on its routes, a grace period longer than the drain,
 * the Secret's keys where the Deployment reads them.
 */

const DIR = new URL('../../deploy/k8s/', import.meta.url).pathname;

type Manifest = { apiVersion: string; kind: string; metadata: { name: string } } & Record<string, unknown>;

const models: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1 Deployment': Deployment,
  'v1 Service': Service,
  'v1 Secret': Secret,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2 HorizontalPodAutoscaler': HorizontalPodAutoscaler,
};

/** Throws with the schema's complaint when `m` is not a valid object of its kind. */
function validateManifest(m: Manifest): void {
  const Model = models[`${m.apiVersion} ${m.kind}`];
  if (!Model) throw new Error(`no schema for ${m.apiVersion} ${m.kind}`);
  new Model(m as never).validate();
}

function load(): Manifest[] {
  const kustomization = parseAllDocuments(
    readFileSync(join(DIR, 'kustomization.yaml'), 'utf8'),
  )[0]!.toJS() as {
    resources: string[];
  };
  return kustomization.resources.flatMap((file) =>
    parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((d) => {
      if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]!.message}`);
      return d.toJS() as Manifest;
    }),
  );
}

const manifests = load();
const byKind = <T>(kind: string) => manifests.find((m) => m.kind === kind) as unknown as T;

describe('Kubernetes manifests', () => {
  it('every resource of the kustomization is valid against its API schema', () => {
    expect(manifests.map((m) => m.kind).sort()).toEqual(
      ['Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Secret', 'Service'].sort(),
    );
    for (const m of manifests)
      expect(() => validateManifest(m), `${m.kind} ${m.metadata.name}`).not.toThrow();
  });

  it('the schema check catches a wrong type, a missing required field and an unknown kind', () => {
    const deployment = structuredClone(byKind<Manifest & { spec: Record<string, unknown> }>('Deployment'));
    expect(() => validateManifest({ ...deployment, spec: { ...deployment.spec, replicas: '3' } })).toThrow(
      /replicas/,
    );
    const { selector: _selector, ...noSelector } = deployment.spec;
    expect(() => validateManifest({ ...deployment, spec: noSelector })).toThrow(/selector/);
    expect(() => validateManifest({ ...deployment, apiVersion: 'apps/v1beta9' })).toThrow(/no schema/);
  });

  interface Container {
    ports: { name: string; containerPort: number }[];
    env: { name: string; value?: string }[];
    envFrom: { secretRef: { name: string } }[];
    readinessProbe: { httpGet: { path: string; port: string | number } };
    livenessProbe: { httpGet: { path: string; port: string | number } };
    resources: { requests: { cpu: string; memory: string } };
  }
  const deployment = byKind<{
    spec: {
      selector: { matchLabels: Record<string, string> };
      strategy: { rollingUpdate: { maxUnavailable: number } };
      template: {
        metadata: { labels: Record<string, string> };
        spec: { terminationGracePeriodSeconds: number; containers: Container[] };
      };
    };
  }>('Deployment');
  const container = deployment.spec.template.spec.containers[0]!;
  const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));

  it('probes: readiness on /readyz, liveness on /healthz, both on a port the container declares', () => {
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    const ports = container.ports.map((p) => p.name);
    expect(ports).toContain(container.readinessProbe.httpGet.port);
    expect(ports).toContain(container.livenessProbe.httpGet.port);
    // The probes' port is the operators' port the server opens (METRICS_PORT), listening from
    // start-up, while the public port listens only once ready.
    const probePort = container.ports.find((p) => p.name === container.readinessProbe.httpGet.port);
    expect(String(probePort?.containerPort)).toBe(env.METRICS_PORT);
  });

  it('a stopping pod gets the drain and the shutdown after it before it is killed', () => {
    const drainMs = Number(env.DRAIN_MS);
    expect(drainMs).toBeGreaterThan(0);
    const shutdownLimitMs = 9_000;
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(
      drainMs + shutdownLimitMs,
    );
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
  });

  it('the Secret holds the URLs and tokens, and the environment it makes is a replicated configuration', () => {
    const secret = byKind<{ metadata: { name: string }; stringData: Record<string, string> }>('Secret');
    expect(container.envFrom.map((e) => e.secretRef.name)).toContain(secret.metadata.name);
    for (const key of ['DATABASE_URL', 'REDIS_URL', 'ADMIN_TOKEN', 'EVENTS_TOKEN']) {
      expect(secret.stringData[key], key).toBeTruthy();
    }
    // The example token is the placeholder the server refuses: nobody deploys it by accident.
    expect(() => loadConfig({ ...env, ...secret.stringData, HOST: '0.0.0.0' })).toThrow(/ADMIN_TOKEN/);
    const config = loadConfig({ ...env, ...secret.stringData, ADMIN_TOKEN: 'a-real-secret-0123456789' });
    expect(config.mode).toBe('replicated');
    expect(config.workers).toBe(1);
  });

  it('Service, PodDisruptionBudget and autoscaler select the Deployment’s pods', () => {
    const labels = deployment.spec.template.metadata.labels;
    const matches = (selector: Record<string, string>) =>
      Object.entries(selector).every(([k, v]) => labels[k] === v);
    expect(matches(deployment.spec.selector.matchLabels)).toBe(true);
    expect(matches(byKind<{ spec: { selector: Record<string, string> } }>('Service').spec.selector)).toBe(
      true,
    );
    const pdb = byKind<{ spec: { selector: { matchLabels: Record<string, string> } } }>(
      'PodDisruptionBudget',
    );
    expect(matches(pdb.spec.selector.matchLabels)).toBe(true);
    const hpa = byKind<{
      spec: { scaleTargetRef: { kind: string; name: string }; metrics: { resource: { name: string } }[] };
    }>('HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'adsm' });
    expect(hpa.spec.metrics[0]!.resource.name).toBe('cpu');
    // Utilization is relative to the request: without one the autoscaler cannot scale.
    expect(container.resources.requests.cpu).toBeTruthy();
  });
});
