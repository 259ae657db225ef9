// Everything the telemetry tests look at, as real processes: a private Jaeger the four
// services export traces to, the four services (stdout captured per service), the
// operator reconciling on a real API server, and the shared local Prometheus scraping
// all five through a file_sd target file labelled the way the cluster's scrape config
// labels Pods (namespace, service), so dashboards select them unchanged.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AdmissionregistrationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { serviceNames, type ServiceName } from '../../scripts/local/fleet.ts';
import { fleetSloServices, installSloRules } from '../../scripts/local/slo-rules.ts';
import { installCrd, mxsClient, waitFor } from '../../operator/src/testing/kube.ts';
import { operatorIdentity, startOperator, type OperatorProcess } from '../../operator/src/testing/operator-process.ts';
import { apiVersion, kind } from '../../operator/src/api/metroxservice.ts';
import { startControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { endpoints, repoRoot, stateDir } from '../support/endpoints.ts';
import { freePort, waitUntil } from '../support/processes.ts';
import { startFleet, tracedFleetEnv, type Fleet } from '../services/support/fleet.ts';
import { observabilityEndpoints, type ObservabilityEndpoints } from './endpoints.ts';
import { createPrometheusQuery, type PrometheusQuery } from './prometheus-query.ts';

const run = promisify(execFile);
const script = (name: string): string => join(repoRoot, 'scripts', 'observability', name);

export const operatorNamespace = 'metrox-system';
export const operatorServiceLabel = 'metrox-operator';

export interface TelemetryStack {
  fleet: Fleet;
  observability: ObservabilityEndpoints;
  prometheus: PrometheusQuery;
  /** The `namespace` label the services' series carry in Prometheus (unique per stack). */
  namespace: string;
  operator: OperatorProcess;
  /** Every JSON line the service wrote to stdout so far. */
  logLines(service: ServiceName): Record<string, unknown>[];
  close(): Promise<void>;
}

export interface TelemetryStackOptions {
  /** Also a MetroXService whose Service a ResourceQuota refuses, so the operator retries (workqueue_retries_total). */
  refusedReconcile?: boolean;
}

export interface PrivateJaeger {
  observability: ObservabilityEndpoints;
  stop(): Promise<void>;
}

/** A Jaeger of the test's own, on free ports: it must not inherit a user's backend nor register with the shared Prometheus. */
export async function startPrivateJaeger(): Promise<PrivateJaeger> {
  const state = mkdtempSync(join(tmpdir(), 'metrox-telemetry-'));
  const ports = Object.fromEntries(
    await Promise.all(
      ['OTLP_GRPC', 'OTLP_HTTP', 'QUERY', 'QUERY_GRPC', 'HEALTH', 'METRICS'].map(async (name) => [`METROX_JAEGER_${name}_PORT`, String(await freePort())]),
    ),
  ) as Record<string, string>;
  const { JAEGER_URL: _j, OTEL_EXPORTER_OTLP_ENDPOINT: _o, OTEL_EXPORTER_OTLP_GRPC_ENDPOINT: _g, PROMETHEUS_TARGETS_DIR: _p, ...rest } = process.env;
  const jaegerEnv: NodeJS.ProcessEnv = { ...rest, METROX_STATE: state, ...ports };
  const stop = async (): Promise<void> => {
    await run('bash', [script('down.sh')], { env: jaegerEnv });
    rmSync(state, { recursive: true, force: true });
  };
  try {
    await run('bash', [script('up.sh')], { env: jaegerEnv, maxBuffer: 16 * 1024 * 1024 });
    return { observability: observabilityEndpoints(state), stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

export async function startTelemetryStack(options: TelemetryStackOptions = {}): Promise<TelemetryStack> {
  const infra = endpoints();
  if (infra.PROMETHEUS_TARGETS_DIR === '') throw new Error('PROMETHEUS_TARGETS_DIR is empty: the telemetry tests need the local Prometheus of `npm run infra:up`');
  const cleanups: (() => Promise<unknown>)[] = [];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const jaeger = await startPrivateJaeger();
    cleanups.push(() => jaeger.stop());
    const { observability } = jaeger;

    const [fleet, cp] = await Promise.all([
      startFleet({
        env: tracedFleetEnv(observability.OTEL_EXPORTER_OTLP_ENDPOINT),
      }),
      startControlPlane(),
    ]);
    cleanups.push(() => fleet.close(), () => cp.stop());
    const operator = await startReconcilingOperator(cp, options.refusedReconcile ?? false);
    cleanups.push(() => operator.stop());

    const namespace = `metrox-test-${fleet.runId}`;
    const targetsFile = join(infra.PROMETHEUS_TARGETS_DIR, `telemetry-${fleet.runId}.json`);
    writeFileSync(
      targetsFile,
      JSON.stringify([
        ...serviceNames.map((service) => ({ targets: [new URL(fleet.url(service)).host], labels: { namespace, service } })),
        { targets: [`127.0.0.1:${operator.port}`], labels: { namespace: operatorNamespace, service: operatorServiceLabel, pod: `operator-${fleet.runId}` } },
      ]),
    );
    cleanups.push(() => {
      rmSync(targetsFile, { force: true });
      return Promise.resolve();
    });
    // The SLO rules the operator would render for the four services, so the SLO panels have data.
    cleanups.push(await installSloRules({ url: infra.PROMETHEUS_URL, rulesDir: infra.PROMETHEUS_RULES_DIR }, namespace, fleetSloServices()));
    const prometheus = createPrometheusQuery(infra.PROMETHEUS_URL);
    await waitUntil(
      async () => (await prometheus.query(`up{namespace="${namespace}"} == 1 or up{pod="operator-${fleet.runId}"} == 1`)).length === serviceNames.length + 1,
      60_000,
      () => `Prometheus did not scrape the four services and the operator from ${targetsFile}`,
    );

    const logFile = (service: ServiceName): string => join(stateDir, 'test-logs', `${fleet.runId}-${service}.log`);
    return {
      fleet,
      observability,
      prometheus,
      namespace,
      operator,
      logLines: (service) => parseJsonLines(readFileSync(logFile(service), 'utf8')),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Starts the operator as its ServiceAccount and waits until it has reconciled one MetroXService. */
async function startReconcilingOperator(cp: ControlPlane, refusedReconcile: boolean): Promise<OperatorProcess> {
  await installCrd(cp.kubeConfig);
  const namespace = 'telemetry';
  const core = cp.kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const kubeconfig = await operatorIdentity(cp.kubeConfig, (ns, name) => cp.serviceAccountKubeConfig(ns, name));
  const operator = await startOperator(kubeconfig);
  try {
    const mxs = mxsClient(cp.kubeConfig);
    await mxs.create(namespace, { apiVersion, kind, metadata: { name: 'payment' }, spec: { image: 'ghcr.io/metrox/payment:1.0.0' } });
    await waitFor('the MetroXService to be reconciled', async () => {
      const current = await mxs.get(namespace, 'payment');
      return current.status?.observedGeneration === current.metadata.generation ? current : undefined;
    }, 60_000);
    if (refusedReconcile) {
      await refuseServicesIn(cp, 'no-services');
      await mxs.create('no-services', { apiVersion, kind, metadata: { name: 'refused' }, spec: { image: 'ghcr.io/metrox/payment:1.0.0' } });
      await waitFor('the operator to retry the refused MetroXService', async () => /workqueue_retries_total\{[^}]*\} [1-9]/.test(await operator.metrics()), 60_000);
    }
    return operator;
  } catch (error) {
    await operator.stop();
    throw new Error(`${String(error)}\noperator log:\n${operator.log().slice(-3_000)}`, { cause: error });
  }
}

/** A namespace whose Services the API server refuses (a ValidatingAdmissionPolicy), so applying a workload there fails. */
async function refuseServicesIn(cp: ControlPlane, namespace: string): Promise<void> {
  const core = cp.kubeConfig.makeApiClient(CoreV1Api);
  const admission = cp.kubeConfig.makeApiClient(AdmissionregistrationV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await admission.createValidatingAdmissionPolicy({
    body: {
      metadata: { name: `${namespace}-policy` },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['services'] }] },
        validations: [{ expression: 'false', message: `Services are not allowed in ${namespace}` }],
      },
    },
  });
  await admission.createValidatingAdmissionPolicyBinding({
    body: {
      metadata: { name: `${namespace}-binding` },
      spec: { policyName: `${namespace}-policy`, validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } } },
    },
  });
  // The policy takes effect once the API server has loaded it: wait until a probe is refused.
  await waitFor('the admission policy to refuse Services', async () => {
    try {
      await core.createNamespacedService({ namespace, body: { metadata: { generateName: 'probe-' }, spec: { ports: [{ port: 80 }] } }, dryRun: 'All' });
      return false;
    } catch (error) {
      return (error as { code?: number }).code === 422 || (error as { code?: number }).code === 403;
    }
  }, 30_000);
}

/** Pure: the JSON objects of a log, skipping lines that are not JSON (a runtime warning). */
export function parseJsonLines(text: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a partial last line while the service is still writing
    }
  }
  return lines;
}
