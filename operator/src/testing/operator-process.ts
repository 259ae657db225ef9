// Runs the operator as its own process, authenticated as its ServiceAccount with
// the generated RBAC, the way it runs in a cluster; and the testbeds it runs on: a
// suite's own namespace on the integration run's shared control plane, or, for a
// suite that changes the whole cluster, a control plane of its own.
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { startControlPlane, type AuditOptions, type ControlPlane, type ControlPlaneAccess } from '@metrox/test/control-plane';
import { sharedControlPlane, uniqueNamespace } from '@metrox/test/shared-control-plane';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { observabilityEndpoints } from '@metrox/test/observability';
import { freePort } from '@metrox/test/processes';
import { bundleOperator } from '../../bundle.ts';
import { operatorLeaderElectionRole, operatorLeaderElectionRoleBinding, operatorName, operatorRbac } from '../install/rbac.ts';
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

interface RbacObject {
  kind: string;
  metadata: { name: string; namespace?: string };
}

/** Creates RBAC objects; one that exists already (another suite made it) is fine. */
async function createRbac(admin: KubeConfig, rbac: RbacObject[]): Promise<void> {
  const objects = admin.makeApiClient(CustomObjectsApi);
  for (const object of rbac) {
    const plural = `${object.kind.toLowerCase()}s`;
    const ns = object.metadata.namespace;
    await (ns === undefined
      ? objects.createClusterCustomObject({ group: 'rbac.authorization.k8s.io', version: 'v1', plural, body: object })
      : objects.createNamespacedCustomObject({ group: 'rbac.authorization.k8s.io', version: 'v1', namespace: ns, plural, body: object })
    ).catch((error: unknown) => {
      if ((error as { code?: number }).code !== 409) throw error;
    });
  }
}

/** The namespace of the operator's ServiceAccount (and, on a private control plane, of its Lease). */
export const operatorNamespace = 'metrox-system';
/** The user the operator authenticates as, as the API server names it (its audit log, say). */
export const operatorUser = `system:serviceaccount:${operatorNamespace}:${operatorName}`;

/** Creates the operator's namespace, ServiceAccount and RBAC (idempotent); returns a kubeconfig file for it. */
export async function operatorIdentity(admin: KubeConfig, serviceAccountKubeConfig: (ns: string, name: string) => Promise<KubeConfig>, namespace = operatorNamespace): Promise<string> {
  const sa = await serviceAccountKubeConfig(namespace, operatorName);
  await createRbac(admin, operatorRbac(namespace));
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
    env: { PATH: process.env.PATH, KUBECONFIG: kubeconfig, METROX_HTTP_PORT: String(port), METROX_OPERATOR_NAMESPACE: operatorNamespace, METROX_RESYNC_SECONDS: '600', ...localTracingEnv(), ...env },
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

/** A control plane made ready for the operator: CRD, namespaces, the operator's identity. */
export interface OperatorTestbed<C extends ControlPlaneAccess = ControlPlaneAccess> {
  readonly cp: C;
  readonly core: CoreV1Api;
  readonly mxs: ReturnType<typeof mxsClient>;
  /** The suite's namespaces (on the shared control plane, uniquely named). */
  readonly namespaces: readonly string[];
  /** The first of them. */
  readonly namespace: string;
  /** Kubeconfig of the operator's ServiceAccount. */
  readonly kubeconfig: string;
  /**
   * Starts the operator confined to this testbed: on the shared control plane it
   * watches the suite's namespace alone and holds its Lease there, so operators of
   * suites running side by side never meet.
   */
  readonly startOperator: (env?: Record<string, string>, main?: string) => Promise<OperatorProcess>;
  /** Deletes the suite's namespaces, or stops a private control plane. */
  readonly close: () => Promise<void>;
}

/**
 * A namespace of the integration run's shared control plane (named `prefix-` plus a
 * random suffix) with the CRD installed and the operator's identity, its Lease in
 * that namespace.
 */
export async function operatorTestbed(prefix: string): Promise<OperatorTestbed> {
  const cp = sharedControlPlane();
  await installCrd(cp.kubeConfig);
  const namespace = await uniqueNamespace(cp, prefix);
  const kubeconfig = await operatorIdentity(cp.kubeConfig, (ns, name) => cp.serviceAccountKubeConfig(ns, name));
  const leaseBinding = operatorLeaderElectionRoleBinding(namespace.name);
  leaseBinding.subjects = leaseBinding.subjects.map((subject) => ({ ...subject, namespace: operatorNamespace }));
  await createRbac(cp.kubeConfig, [operatorLeaderElectionRole(namespace.name), leaseBinding]);
  const scope = { METROX_WATCH_NAMESPACE: namespace.name, METROX_OPERATOR_NAMESPACE: namespace.name };
  return {
    cp,
    core: cp.kubeConfig.makeApiClient(CoreV1Api),
    mxs: mxsClient(cp.kubeConfig),
    namespaces: [namespace.name],
    namespace: namespace.name,
    kubeconfig,
    startOperator: (env = {}, main) => startOperator(kubeconfig, { ...scope, ...env }, main),
    close: () => namespace.delete(),
  };
}

/**
 * A control plane of its own, for a suite that stops the API server or changes what
 * every operator on the cluster sees (cluster-scoped CRDs, the shared ClusterRole),
 * and for the benchmark. The operator watches every namespace, its Lease in metrox-system.
 */
export async function privateOperatorTestbed(namespaces: string[], options: { audit?: AuditOptions } = {}): Promise<OperatorTestbed<ControlPlane>> {
  const cp = await startControlPlane(options);
  try {
    await installCrd(cp.kubeConfig);
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    for (const name of namespaces) await core.createNamespace({ body: { metadata: { name } } });
    const kubeconfig = await operatorIdentity(cp.kubeConfig, (ns, name) => cp.serviceAccountKubeConfig(ns, name));
    return {
      cp,
      core,
      mxs: mxsClient(cp.kubeConfig),
      namespaces,
      namespace: namespaces[0] ?? operatorNamespace,
      kubeconfig,
      startOperator: (env = {}, main) => startOperator(kubeconfig, env, main),
      close: () => cp.stop(),
    };
  } catch (error) {
    await cp.stop();
    throw error;
  }
}
