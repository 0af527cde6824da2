import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import request from 'supertest';
import { parse, parseAllDocuments } from 'yaml';
import { AppMetrics } from '@app/platform';
import { metricFamilies, unknownInQuery, variablesTheAppsRead } from './support/metric-names';
import { Stack, startStack } from './support/harness';

const ROOT = resolve(__dirname, '..');
const OVERLAYS = ['dev', 'production'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered manifests, checked field by field below
type Obj = { apiVersion: string; kind: string; metadata: { name: string }; spec?: any; data?: Record<string, string> };

/** Where kubernetes-models keeps the class of an apiVersion. */
function modelModule(apiVersion: string): string {
  if (apiVersion.startsWith('keda.sh/')) return `@kubernetes-models/keda/${apiVersion}`;
  if (apiVersion.startsWith('monitoring.coreos.com/')) return `@kubernetes-models/prometheus-operator/${apiVersion}`;
  return `kubernetes-models/${apiVersion}`;
}

/** `kubectl kustomize` of an overlay: the objects `kubectl apply -k` would send. */
function render(overlay: string): Obj[] {
  const text = execFileSync('kubectl', ['kustomize', join(ROOT, 'deploy/kubernetes/overlays', overlay)], { encoding: 'utf8' });
  return parseAllDocuments(text).map((d) => d.toJSON() as Obj);
}

const workloads = (objs: Obj[]) => objs.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind));
const ours = (objs: Obj[]) => workloads(objs).filter((o) => o.metadata.name.startsWith('callback-'));
const containerOf = (o: Obj) => o.spec.template.spec.containers[0];

/**
 * Issue 21, item 3: the Kubernetes manifests are valid objects (kubernetes-models' schemas of
 * Kubernetes, KEDA and prometheus-operator, offline) and agree with the code: every variable
 * they set is one the apps read, ports and probe paths are the apps' own and answer, the
 * autoscaler's query names metrics the apps export, and a stopping pod gets its drain.
 */
describe('deploy/kubernetes: valid, and in agreement with the apps', () => {
  const rendered = Object.fromEntries(OVERLAYS.map((o) => [o, render(o)]));
  let stack: Stack;
  let families: Map<string, Set<string>>;

  beforeAll(async () => {
    stack = await startStack(() => ({ COUNTERPARTY_MODE: 'manual' }));
    const scrape = async (app: 'api' | 'dispatcher') => (await request(stack[app].getHttpServer()).get('/metrics').expect(200)).text;
    families = metricFamilies(await scrape('api'), await scrape('dispatcher'));
    // A counter with no sample yet shows no labels in a scrape: its declared ones count too.
    for (const metric of new AppMetrics('any').registry.getMetricsAsArray()) {
      const { name, labelNames = [] } = metric as unknown as { name: string; labelNames?: string[] };
      for (const family of [...families.keys()].filter((f) => f === name || f.startsWith(`${name}_`)))
        for (const label of labelNames) families.get(family)!.add(label);
    }
  });

  afterAll(() => stack?.stop());

  it.each(OVERLAYS)('%s: every object validates against its schema', (overlay) => {
    const kinds = rendered[overlay].map((o) => o.kind);
    expect(kinds).toEqual(expect.arrayContaining(['Deployment', 'Service', 'ConfigMap', 'PodDisruptionBudget', 'ServiceMonitor']));
    expect(kinds).toContain(overlay === 'dev' ? 'HorizontalPodAutoscaler' : 'ScaledObject');
    if (overlay === 'dev') expect(kinds).toEqual(expect.arrayContaining(['StatefulSet', 'Secret']));
    for (const obj of rendered[overlay]) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const Model = require(modelModule(obj.apiVersion))[obj.kind];
      expect([obj.apiVersion, obj.kind, Model === undefined ? 'no model' : 'model']).toEqual([obj.apiVersion, obj.kind, 'model']);
      expect(() => new Model(obj).validate()).not.toThrow();
    }
  });

  it('the HPA fallback validates too', () => {
    const text = execFileSync('kubectl', ['kustomize', join(ROOT, 'deploy/kubernetes/components/autoscale-hpa')], { encoding: 'utf8' });
    expect(text).toContain('HorizontalPodAutoscaler');
  });

  it.each(OVERLAYS)('%s: every variable set is one the apps read, ports and commands are the apps', (overlay) => {
    const objs = rendered[overlay];
    const reads = variablesTheAppsRead(ROOT);
    const config = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('callback-service-config'))!;
    const secretKeys = objs.filter((o) => o.kind === 'Secret').flatMap((o) => Object.keys(o.data ?? {}));
    const envNames = ours(objs).flatMap((o) => (containerOf(o).env ?? []).map((e: { name: string }) => e.name));
    for (const name of [...Object.keys(config.data!), ...secretKeys, ...envNames]) expect([name, reads(name)]).toEqual([name, true]);
    for (const o of ours(objs)) {
      const app = o.metadata.name.replace('callback-', '');
      const c = containerOf(o);
      // The image's entry (tini) and the app's bundle, built from apps/<app>/src/main.ts.
      expect(c.command).toEqual(['/usr/bin/tini', '--', 'node', `dist/apps/${app}/main.js`]);
      expect(existsSync(join(ROOT, 'apps', app, 'src/main.ts'))).toBe(true);
      const port = Number(config.data![app === 'api' ? 'API_PORT' : 'DISPATCHER_PORT']);
      expect(c.ports.map((p: { containerPort: number }) => p.containerPort)).toEqual([port]);
      const service = objs.find((s) => s.kind === 'Service' && s.metadata.name === o.metadata.name)!;
      expect(service.spec.ports[0].targetPort).toBe(c.ports[0].name);
    }
  });

  it.each(OVERLAYS)('%s: probes and the scrape path answer 200 on the apps, liveness never asks Redis', async (overlay) => {
    for (const o of ours(rendered[overlay])) {
      const app = o.metadata.name === 'callback-api' ? stack.api : stack.dispatcher;
      const c = containerOf(o);
      expect(c.livenessProbe.httpGet.path).toBe('/health/live');
      expect(c.readinessProbe.httpGet.path).toBe('/health/ready');
      for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe]) {
        expect(probe.httpGet.port).toBe(c.ports[0].name);
        await request(app.getHttpServer()).get(probe.httpGet.path).expect(200);
      }
    }
    const monitor = rendered[overlay].find((o) => o.kind === 'ServiceMonitor')!;
    for (const e of monitor.spec.endpoints) {
      expect(e.port).toBe('http');
      for (const app of [stack.api, stack.dispatcher]) await request(app.getHttpServer()).get(e.path).expect(200);
    }
  });

  it.each(OVERLAYS)('%s: pods run as non-root on a read-only root, and outlive their drain', (overlay) => {
    for (const o of workloads(rendered[overlay])) {
      const pod = o.spec.template.spec;
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      for (const c of pod.containers) {
        expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
        expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
        expect(c.resources.requests).toBeDefined();
        expect(c.resources.limits.memory).toBeDefined();
      }
    }
    const config = rendered[overlay].find((o) => o.kind === 'ConfigMap')!;
    for (const o of ours(rendered[overlay])) {
      const pod = o.spec.template.spec;
      const preStopSeconds = Number(containerOf(o).lifecycle.preStop.exec.command[1]);
      expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(preStopSeconds * 1000 + Number(config.data!.SHUTDOWN_GRACE_MS));
    }
  });

  it('the KEDA trigger names metrics and labels the apps export, and scales the dispatcher', () => {
    const scaled = rendered.production.find((o) => o.kind === 'ScaledObject')!;
    expect(scaled.spec.scaleTargetRef.name).toBe('callback-dispatcher');
    for (const trigger of scaled.spec.triggers) {
      expect(trigger.type).toBe('prometheus');
      expect(unknownInQuery(trigger.metadata.query, families)).toEqual([]);
      expect(trigger.metadata.query).toMatch(/callback_/);
    }
    const hpa = rendered.dev.find((o) => o.kind === 'HorizontalPodAutoscaler')!;
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'callback-dispatcher' });
  });

  it('the Grafana dashboard of compose names only metrics the apps export', () => {
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/dashboards/callback-service.json'), 'utf8'));
    const queries: string[] = dashboard.panels.flatMap((p: { targets?: { expr: string }[] }) => (p.targets ?? []).map((t) => t.expr));
    expect(queries.length).toBeGreaterThanOrEqual(6);
    for (const q of queries) expect([q, unknownInQuery(q, families)]).toEqual([q, []]);
  });

  it('docker-compose.yml runs on older Compose, mounts files that exist, and Prometheus finds every replica of both apps', () => {
    const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'));
    const services = compose.services as Record<string, { env_file?: unknown; volumes?: string[]; environment?: Record<string, unknown> }>;
    for (const [name, service] of Object.entries(services)) {
      // env_file's `required` needs Compose 2.24+; a plain list works everywhere (callbacks.env is committed).
      for (const file of [service.env_file ?? []].flat()) expect([name, typeof file]).toEqual([name, 'string']);
      for (const file of [service.env_file ?? []].flat() as string[]) expect(existsSync(join(ROOT, file))).toBe(true);
      for (const volume of service.volumes ?? [])
        if (volume.startsWith('./')) expect([volume, existsSync(join(ROOT, volume.split(':')[0]))]).toEqual([volume, true]);
    }
    const prometheus = parse(readFileSync(join(ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8'));
    const targets = prometheus.scrape_configs.flatMap((c: { dns_sd_configs: { names: string[]; port: number }[] }) =>
      c.dns_sd_configs.flatMap((d) => d.names.map((n) => `${n}:${d.port}`)),
    );
    expect(targets.sort()).toEqual([
      `api:${services.api.environment!.API_PORT}`,
      `dispatcher:${services.dispatcher.environment!.DISPATCHER_PORT}`,
    ]);
  });
});
