// Runs the operator as its own process, authenticated as its ServiceAccount with
// the generated RBAC, the way it runs in a cluster.
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '@metrox/test/control-plane';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { observabilityEndpoints } from '@metrox/test/observability';
import { freePort } from '@metrox/test/processes';
import { bundleOperator } from '../../bundle.ts';
import { operatorRbac } from '../install/rbac.ts';
import { operatorServiceName } from '../telemetry/variables.ts';
import { installCrd, mxsClient } from './kube.ts';

// What the image runs: the bundle, built once per test process from the current source.
let bundled: Promise<string> | undefined;
const operatorMain = () => (bundled ??= bundleOperator());
const nodeBinary = process.execPath;
/** The Node flags of the image's entrypoint (operator/Dockerfile; a unit test keeps the two alike). */
export const imageNodeFlags = ['--max-semi-space-size=4', '--heap-growing-percent=30'];
/** METROX_OPERATOR_NODE_FLAGS replaces them, e.g. to compare GC settings. */
export const operatorNodeFlags = process.env.METROX_OPERATOR_NODE_FLAGS?.split(' ').filter((flag) => flag !== '') ?? imageNodeFlags;

// One free-port helper for every suite.
export { freePort };

/** Creates the operator's namespace, ServiceAccount and RBAC; returns a kubeconfig file for it. */
export async function operatorIdentity(admin: KubeConfig, serviceAccountKubeConfig: (ns: string, name: string) => Promise<KubeConfig>, namespace = 'metrox-system'): Promise<string> {
  const sa = await serviceAccountKubeConfig(namespace, 'metrox-operator');
  const objects = admin.makeApiClient(CustomObjectsApi);
  for (const object of operatorRbac(namespace)) {
    const plural = `${object.kind.toLowerCase()}s`;
    const ns = 'namespace' in object.metadata ? String(object.metadata.namespace) : undefined;
    await (ns === undefined
      ? objects.createClusterCustomObject({ group: 'rbac.authorization.k8s.io', version: 'v1', plural, body: object })
      : objects.createNamespacedCustomObject({ group: 'rbac.authorization.k8s.io', version: 'v1', namespace: ns, plural, body: object })
    ).catch((error: unknown) => {
      if ((error as { code?: number }).code !== 409) throw error;
    });
  }
  const dir = mkdtempSync(join(tmpdir(), 'metrox-operator-'));
  const file = join(dir, 'kubeconfig');
  writeFileSync(file, sa.exportConfig());
  return file;
}

export interface OperatorProcess {
  readonly port: number;
  readonly child: ChildProcess;
  readonly logFile: string;
  log(): string;
  metrics(): Promise<string>;
  /** SIGTERM and wait (graceful shutdown). */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
}

/**
 * The operator's traces go to the local Jaeger (scripts/observability/up.sh) during the
 * tests, so a test's reconciles can be looked at there; without one nothing is exported.
 * Batches leave every half second rather than every five, so a test sees them soon.
 */
export function localTracingEnv(): Record<string, string> {
  try {
    const { OTEL_EXPORTER_OTLP_ENDPOINT } = observabilityEndpoints();
    return { OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME: operatorServiceName, OTEL_BSP_SCHEDULE_DELAY: '500' };
  } catch {
    return {};
  }
}

/** `main` runs another build of the operator (its src/main.ts, say, or an older commit's for a side-by-side benchmark). */
export async function startOperator(kubeconfig: string, env: Record<string, string> = {}, main?: string): Promise<OperatorProcess> {
  const port = await freePort();
  const logFile = join(mkdtempSync(join(tmpdir(), 'metrox-operator-log-')), 'operator.log');
  const out = openSync(logFile, 'a');
  const child = spawn(nodeBinary, [...operatorNodeFlags, main ?? (await operatorMain())], {
    env: { PATH: process.env.PATH, KUBECONFIG: kubeconfig, METROX_HTTP_PORT: String(port), METROX_OPERATOR_NAMESPACE: 'metrox-system', METROX_RESYNC_SECONDS: '600', ...localTracingEnv(), ...env },
    stdio: ['ignore', out, out],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    resolve(code);
  }));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const log = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  // Ready when the HTTP endpoint answers.
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`operator exited with ${child.exitCode}:\n${log()}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`operator did not start:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    port,
    child,
    logFile,
    log,
    metrics: () => fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      process.removeListener('exit', killOnExit);
      return code;
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      process.removeListener('exit', killOnExit);
    },
  };
}

/** A fresh control plane made ready for the operator: CRD, namespaces, the operator's identity. */
export interface OperatorTestbed {
  readonly cp: ControlPlane;
  readonly core: CoreV1Api;
  readonly mxs: ReturnType<typeof mxsClient>;
  /** Kubeconfig of the operator's ServiceAccount, for startOperator. */
  readonly kubeconfig: string;
}

export async function operatorTestbed(namespaces: string[]): Promise<OperatorTestbed> {
  const cp = await startControlPlane();
  await installCrd(cp.kubeConfig);
  const core = cp.kubeConfig.makeApiClient(CoreV1Api);
  for (const name of namespaces) await core.createNamespace({ body: { metadata: { name } } });
  const kubeconfig = await operatorIdentity(cp.kubeConfig, (ns, name) => cp.serviceAccountKubeConfig(ns, name));
  return { cp, core, mxs: mxsClient(cp.kubeConfig), kubeconfig };
}
