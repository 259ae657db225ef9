// The workload of a MetroXService as cdk8s-plus constructs: Deployment, Service,
// ServiceAccount, and when asked for, HorizontalPodAutoscaler and
// PodDisruptionBudget. Pure: synthesized in memory, nothing is sent anywhere.
import type { V1EnvVar } from '@kubernetes/client-node';
import { ApiObject, App, Chart, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import { defaultResources } from '../api/defaults.ts';
import { apiVersion, kind, peerAddress, peerAddressVariable, type MetroXService } from '../api/metroxservice.ts';
import { childNames, commonLabels, queueName, selectorLabels } from './names.ts';

export interface WorkloadContext {
  otlpEndpoint: string;
  /** Set when the operator wires a database for this service. */
  databaseSecret: string | undefined;
  /** Set when the operator wires broker topology for this service. */
  broker: { secretName: string; exchange: string } | undefined;
  /** Prometheus Operator present: scrape through a ServiceMonitor instead of annotations. */
  serviceMonitors: boolean;
  /** Image of the cipher sidecar when spec.cipher names none (the operator's METROX_CIPHER_IMAGE). */
  cipherImage?: string;
}

/** The cipher sidecar's fixed wiring: loopback port, ops port, key directory (services/cipher/README.md). */
export const cipherSidecar = {
  name: 'cipher',
  port: 7400,
  opsPort: 9465,
  metricsPortName: 'cipher-metrics',
  keysVolume: 'cipher-keys',
  keysDir: '/var/run/secrets/metrox/cipher',
  defaultImage: 'ghcr.io/metrox/cipher:0.1.0',
  /** Pod annotation naming the sidecar's metrics port, for the platform Prometheus's second pod job. */
  scrapeAnnotation: 'metrox.io/sidecar-metrics-port',
} as const;

/** Environment variables the operator owns; spec.env cannot override them. */
export const managedEnvNames = new Set([
  'SERVICE_NAME', 'PORT', 'GRPC_PORT', 'LOG_LEVEL', 'POD_NAME', 'POD_NAMESPACE',
  'OTEL_SERVICE_NAME', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG', 'OTEL_RESOURCE_ATTRIBUTES',
  'DATABASE_URL', 'AMQP_URL', 'AMQP_EXCHANGE', 'METROX_QUEUE', 'METROX_SUBSCRIBED_EVENTS', 'METROX_PUBLISHED_EVENTS', 'METRICS_PATH',
  'CIPHER_ADDR',
]);

/**
 * Where a container of the Pod sends its traces, and what they say about it: the
 * standard OTEL_* variables, the same for the service and its cipher sidecar (the
 * sidecar's spans belong in the same traces). Needs POD_NAME and POD_NAMESPACE first.
 */
function telemetryEnv(mxs: MetroXService, context: WorkloadContext, serviceName: string): V1EnvVar[] {
  const { name, namespace = 'default' } = mxs.metadata;
  return [
    { name: 'OTEL_SERVICE_NAME', value: serviceName },
    { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: context.otlpEndpoint },
    { name: 'OTEL_TRACES_SAMPLER', value: 'parentbased_traceidratio' },
    { name: 'OTEL_TRACES_SAMPLER_ARG', value: String(mxs.spec.observability.tracing.samplingRatio) },
    { name: 'OTEL_RESOURCE_ATTRIBUTES', value: `service.namespace=${namespace},k8s.namespace.name=$(POD_NAMESPACE),k8s.pod.name=$(POD_NAME),k8s.deployment.name=${name}` },
  ];
}

const podIdentityEnv: V1EnvVar[] = [
  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
];

function managedEnv(mxs: MetroXService, context: WorkloadContext): V1EnvVar[] {
  const { name, namespace = 'default' } = mxs.metadata;
  const { spec } = mxs;
  const env: V1EnvVar[] = [
    ...structuredClone(podIdentityEnv),
    { name: 'SERVICE_NAME', value: name },
    { name: 'PORT', value: String(spec.ports.http) },
  ];
  if (spec.ports.grpc !== undefined) env.push({ name: 'GRPC_PORT', value: String(spec.ports.grpc) });
  env.push(
    { name: 'LOG_LEVEL', value: spec.observability.logLevel },
    { name: 'METRICS_PATH', value: spec.observability.metrics.path },
    ...telemetryEnv(mxs, context, name),
  );
  if (context.databaseSecret !== undefined) {
    env.push({ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: context.databaseSecret, key: 'DATABASE_URL' } } });
  }
  if (context.broker !== undefined) {
    env.push(
      { name: 'AMQP_URL', valueFrom: { secretKeyRef: { name: context.broker.secretName, key: 'AMQP_URL' } } },
      { name: 'AMQP_EXCHANGE', value: context.broker.exchange },
      { name: 'METROX_QUEUE', value: queueName(mxs) },
    );
    // The API server drops empty values: leave them out so live and desired compare equal.
    if (spec.events.subscribes.length > 0) env.push({ name: 'METROX_SUBSCRIBED_EVENTS', value: spec.events.subscribes.join(',') });
    if (spec.events.publishes.length > 0) env.push({ name: 'METROX_PUBLISHED_EVENTS', value: spec.events.publishes.join(',') });
  }
  if (spec.cipher?.enabled === true) env.push({ name: 'CIPHER_ADDR', value: `127.0.0.1:${String(cipherSidecar.port)}` });
  const peers = spec.peers ?? [];
  for (const peer of peers) env.push({ name: peerAddressVariable(peer.name), value: peerAddress(peer, namespace) });
  const peerVariables = new Set(peers.map((peer) => peerAddressVariable(peer.name)));
  for (const extra of spec.env ?? []) if (!managedEnvNames.has(extra.name) && !peerVariables.has(extra.name)) env.push(extra);
  return env;
}

type ResourceList = Record<string, string | number>;

/**
 * The Deployment's typed serializer runs after JSON patches and reads IntOrString and
 * Quantity through their classes: plain strings and numbers there would vanish.
 */
function typedResources(resources: Partial<Record<'requests' | 'limits', ResourceList | undefined>>): Record<string, Record<string, k8s.Quantity>> {
  const out: Record<string, Record<string, k8s.Quantity>> = {};
  for (const [kind, list] of Object.entries(resources)) {
    out[kind] = Object.fromEntries(Object.entries(list).map(([key, value]) => [key, typeof value === 'number' ? k8s.Quantity.fromNumber(value) : k8s.Quantity.fromString(value)]));
  }
  return out;
}

const restrictedContainer = {
  runAsNonRoot: true,
  runAsUser: 10001,
  runAsGroup: 10001,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  privileged: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/**
 * The cipher helper as a native sidecar: an init container with restartPolicy Always
 * starts before the service (its readiness gates the service's start) and stops after
 * it. Only this container mounts the keys; the pod's fsGroup (10001, the sidecar's
 * group) makes the 0440 key files readable to it.
 */
function cipherContainer(mxs: MetroXService, image: string, context: WorkloadContext): Record<string, unknown> {
  const { name } = mxs.metadata;
  const ops = cipherSidecar.opsPort;
  return {
    name: cipherSidecar.name,
    image,
    imagePullPolicy: 'IfNotPresent',
    restartPolicy: 'Always',
    env: [
      { name: 'CIPHER_HOST', value: '127.0.0.1' },
      { name: 'CIPHER_PORT', value: String(cipherSidecar.port) },
      { name: 'CIPHER_KEYS_DIR', value: cipherSidecar.keysDir },
      { name: 'CIPHER_OPS_PORT', value: String(ops) },
      { name: 'LOG_LEVEL', value: mxs.spec.observability.logLevel },
      ...structuredClone(podIdentityEnv),
      ...telemetryEnv(mxs, context, `${name}-cipher`),
    ],
    ports: [{ name: cipherSidecar.metricsPortName, containerPort: ops, protocol: 'TCP' }],
    readinessProbe: { httpGet: { path: '/readyz', port: k8s.IntOrString.fromNumber(ops), scheme: 'HTTP' }, periodSeconds: 5, failureThreshold: 2 },
    livenessProbe: { httpGet: { path: '/healthz', port: k8s.IntOrString.fromNumber(ops), scheme: 'HTTP' }, periodSeconds: 10, failureThreshold: 3 },
    resources: typedResources({ requests: { cpu: '20m', memory: '48Mi' }, limits: { memory: '128Mi' } }),
    securityContext: structuredClone(restrictedContainer),
    volumeMounts: [{ name: cipherSidecar.keysVolume, mountPath: cipherSidecar.keysDir, readOnly: true }],
  };
}

/** Replicas the workload runs at least: decides whether a disruption budget makes sense. */
export function minimumReplicas(mxs: MetroXService): number {
  return mxs.spec.autoscaling?.minReplicas ?? mxs.spec.replicas;
}

/**
 * The MetroXService as the autoscaler's target: the HPA reads and writes its scale
 * subresource (spec.replicas, status.replicas, status.selector) and the operator
 * carries spec.replicas to the Deployment.
 */
function scaleSubresourceOf(mxs: MetroXService, deployment: kplus.Deployment): kplus.IScalable {
  return {
    hasAutoscaler: true,
    markHasAutoscaler: () => undefined,
    toScalingTarget: () => ({ apiVersion, kind, name: mxs.metadata.name, containers: deployment.containers }),
  };
}

export function renderWorkload(mxs: MetroXService, context: WorkloadContext): Record<string, unknown>[] {
  const { name, namespace = 'default' } = mxs.metadata;
  const { spec } = mxs;
  const labels = commonLabels(name);
  const app = new App();
  const chart = new Chart(app, name, { namespace, labels, disableResourceNameHashes: true });

  const serviceAccount = new kplus.ServiceAccount(chart, 'service-account', {
    metadata: { name: childNames.workload(name) },
    automountToken: false,
  });

  const ports: kplus.ContainerPort[] = [{ name: 'http', number: spec.ports.http }];
  if (spec.ports.grpc !== undefined) ports.push({ name: 'grpc', number: spec.ports.grpc });
  const cipher = spec.cipher?.enabled === true ? spec.cipher : undefined;
  const scrape: Record<string, string> = context.serviceMonitors
    ? {}
    : { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(spec.ports.http), 'prometheus.io/path': spec.observability.metrics.path };
  if (cipher !== undefined && !context.serviceMonitors) scrape[cipherSidecar.scrapeAnnotation] = String(cipherSidecar.opsPort);

  const deployment = new kplus.Deployment(chart, 'deployment', {
    metadata: { name: childNames.workload(name) },
    // Always spec.replicas: an autoscaler scales the MetroXService itself (below), so
    // kubectl scale and the HPA write the same field and nothing fights over the count.
    replicas: spec.replicas,
    select: false,
    serviceAccount,
    automountServiceAccountToken: false,
    podMetadata: { labels, annotations: scrape },
    securityContext: { ensureNonRoot: true, user: 10001, group: 10001, fsGroup: 10001 },
    containers: [
      {
        name: 'service',
        image: spec.image,
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        ports,
        liveness: kplus.Probe.fromHttpGet('/healthz', { port: spec.ports.http, periodSeconds: Duration.seconds(10), failureThreshold: 3 }),
        readiness: kplus.Probe.fromHttpGet('/readyz', { port: spec.ports.http, periodSeconds: Duration.seconds(5), failureThreshold: 2 }),
        securityContext: {
          ensureNonRoot: true,
          user: 10001,
          group: 10001,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          privileged: false,
          capabilities: { drop: [kplus.Capability.ALL] },
          seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
        },
      },
    ],
  });
  deployment.select(kplus.LabelSelector.of({ labels: selectorLabels(name) }));
  // Pass-through core types (EnvVar with valueFrom, ResourceRequirements as written)
  // go in as JSON: the API server validates them, cdk8s need not model them.
  const container = '/spec/template/spec/containers/0';
  ApiObject.of(deployment).addJsonPatch(
    JsonPatch.add(`${container}/env`, managedEnv(mxs, context)),
    JsonPatch.add(`${container}/resources`, typedResources(spec.resources ?? defaultResources)),
    // cdk8s-plus's construct-address label adds nothing to our explicit selector.
    JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'),
    JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
  );
  if (cipher !== undefined) {
    if (cipher.keySecretName === undefined) throw new Error('spec.cipher.keySecretName is required when spec.cipher.enabled is true');
    ApiObject.of(deployment).addJsonPatch(
      JsonPatch.add('/spec/template/spec/initContainers', [cipherContainer(mxs, cipher.image ?? context.cipherImage ?? cipherSidecar.defaultImage, context)]),
      // 0440 (decimal 288): owner and the fsGroup read, nobody else.
      JsonPatch.add('/spec/template/spec/volumes', [{ name: cipherSidecar.keysVolume, secret: { secretName: cipher.keySecretName, defaultMode: 0o440 } }]),
    );
  }

  const servicePorts = ports.map((p) => ({ name: p.name ?? 'http', port: p.number, targetPort: p.number }));
  // A ServiceMonitor scrapes through the Service: the sidecar's metrics need a port there.
  if (cipher !== undefined && context.serviceMonitors) servicePorts.push({ name: cipherSidecar.metricsPortName, port: cipherSidecar.opsPort, targetPort: cipherSidecar.opsPort });
  const service = new kplus.Service(chart, 'service', {
    metadata: { name: childNames.workload(name) },
    ports: servicePorts,
  });
  for (const [key, value] of Object.entries(selectorLabels(name))) service.selectLabel(key, value);

  if (spec.autoscaling !== undefined) {
    new kplus.HorizontalPodAutoscaler(chart, 'autoscaler', {
      metadata: { name: childNames.workload(name) },
      target: scaleSubresourceOf(mxs, deployment),
      minReplicas: spec.autoscaling.minReplicas,
      maxReplicas: spec.autoscaling.maxReplicas,
      metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(spec.autoscaling.targetCPUUtilizationPercentage))],
    });
  }

  if (minimumReplicas(mxs) > 1) {
    new ApiObject(chart, 'disruption-budget', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: childNames.workload(name) },
      spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(name) } },
    });
  }

  return chart.toJson() as Record<string, unknown>[];
}
