import { describe, expect, it } from 'vitest';
import { withDefaults } from '../api/defaults.ts';
import { apiVersion, kind, type MetroXService, type MetroXServiceSpecInput } from '../api/metroxservice.ts';
import { renderWorkload, type WorkloadContext } from './workload.ts';

interface Container { name: string; env?: { name: string; value?: string }[]; volumeMounts?: unknown[]; [field: string]: unknown }
interface PodSpec { containers: Container[]; initContainers?: Container[]; volumes?: unknown[]; securityContext: Record<string, unknown> }
interface Deployment { spec: { template: { metadata: { annotations: Record<string, string> }; spec: PodSpec } } }

const context: WorkloadContext = { otlpEndpoint: 'http://collector:4318', databaseSecret: undefined, broker: undefined, serviceMonitors: false, cipherImage: 'registry.example/cipher:9' };

function deploymentOf(spec: MetroXServiceSpecInput, ctx: WorkloadContext = context): Deployment {
  const mxs: MetroXService = { apiVersion, kind, metadata: { name: 'payment', namespace: 'metrox' }, spec: withDefaults(spec) };
  const deployment = renderWorkload(mxs, ctx).find((object) => object.kind === 'Deployment');
  if (deployment === undefined) throw new Error('no Deployment rendered');
  return deployment as unknown as Deployment;
}

const cipherOn = { image: 'ghcr.io/metrox/payment:1.0.0', cipher: { enabled: true, keySecretName: 'payment-cipher-keys' } };

describe('the cipher sidecar in the rendered Deployment', () => {
  it('runs the helper as a native sidecar with probes on its ops port and a restricted security context', () => {
    const pod = deploymentOf(cipherOn).spec.template.spec;
    expect(pod.initContainers).toHaveLength(1);
    expect(pod.initContainers?.[0]).toMatchObject({
      name: 'cipher',
      image: 'registry.example/cipher:9',
      restartPolicy: 'Always',
      ports: [{ name: 'cipher-metrics', containerPort: 9465 }],
      readinessProbe: { httpGet: { path: '/readyz', port: 9465 } },
      livenessProbe: { httpGet: { path: '/healthz', port: 9465 } },
      resources: { requests: { cpu: '20m', memory: '48Mi' }, limits: { memory: '128Mi' } },
      securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
    });
    expect(pod.initContainers?.[0]?.env).toContainEqual({ name: 'CIPHER_PORT', value: '7400' });
  });

  it('mounts the key Secret read-only into the sidecar only, readable through the pod fsGroup', () => {
    const pod = deploymentOf(cipherOn).spec.template.spec;
    expect(pod.volumes).toEqual([{ name: 'cipher-keys', secret: { secretName: 'payment-cipher-keys', defaultMode: 0o440 } }]);
    expect(pod.initContainers?.[0]?.volumeMounts).toEqual([{ name: 'cipher-keys', mountPath: '/var/run/secrets/metrox/cipher', readOnly: true }]);
    expect(pod.containers[0]?.volumeMounts).toBeUndefined();
    expect(pod.securityContext).toMatchObject({ fsGroup: 10001, runAsGroup: 10001 });
  });

  it('gives the service CIPHER_ADDR, which spec.env cannot override', () => {
    const pod = deploymentOf({ ...cipherOn, env: [{ name: 'CIPHER_ADDR', value: '10.0.0.1:1' }] }).spec.template.spec;
    expect(pod.containers[0]?.env?.filter((variable) => variable.name === 'CIPHER_ADDR')).toEqual([{ name: 'CIPHER_ADDR', value: '127.0.0.1:7400' }]);
  });

  it('asks Prometheus to scrape the sidecar\'s metrics port as well as the service\'s', () => {
    expect(deploymentOf(cipherOn).spec.template.metadata.annotations).toMatchObject({ 'prometheus.io/port': '8080', 'metrox.io/sidecar-metrics-port': '9465' });
  });

  it('prefers the image named in spec.cipher over the operator default', () => {
    const pod = deploymentOf({ ...cipherOn, cipher: { ...cipherOn.cipher, image: 'mine/cipher:2' } }).spec.template.spec;
    expect(pod.initContainers?.[0]?.image).toBe('mine/cipher:2');
  });

  it('renders no sidecar, volume or CIPHER_ADDR when cipher is off', () => {
    for (const spec of [{ image: 'x:1' }, { image: 'x:1', cipher: { enabled: false } }]) {
      const deployment = deploymentOf(spec);
      const pod = deployment.spec.template.spec;
      expect(pod.initContainers).toBeUndefined();
      expect(pod.volumes).toBeUndefined();
      expect(pod.containers[0]?.env?.map((variable) => variable.name)).not.toContain('CIPHER_ADDR');
      expect(deployment.spec.template.metadata.annotations).not.toHaveProperty(['metrox.io/sidecar-metrics-port']);
    }
  });

  it('carries the service container\'s resources as written', () => {
    const pod = deploymentOf({ image: 'x:1', resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } } }).spec.template.spec;
    expect(pod.containers[0]?.resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } });
  });
});

describe('gRPC peers in the rendered Deployment', () => {
  const env = (spec: MetroXServiceSpecInput) => deploymentOf(spec).spec.template.spec.containers[0]?.env ?? [];

  it('gives each peer\'s Service address as <NAME>_GRPC_ADDRESS, which spec.env cannot override', () => {
    const rendered = env({
      image: 'ghcr.io/metrox/payment:1.0.0',
      peers: [{ name: 'transaction', port: 50051 }, { name: 'fare-rules', port: 9000 }],
      env: [{ name: 'TRANSACTION_GRPC_ADDRESS', value: '127.0.0.1:1' }, { name: 'OTHER', value: 'kept' }],
    });
    expect(rendered.filter((v) => v.name.endsWith('_GRPC_ADDRESS'))).toEqual([
      { name: 'TRANSACTION_GRPC_ADDRESS', value: 'transaction.metrox.svc:50051' },
      { name: 'FARE_RULES_GRPC_ADDRESS', value: 'fare-rules.metrox.svc:9000' },
    ]);
    expect(rendered).toContainEqual({ name: 'OTHER', value: 'kept' });
  });
});

describe('telemetry of the cipher sidecar', () => {
  it('sends its traces where the service sends its own, with the same sampler, under <name>-cipher', () => {
    const pod = deploymentOf(cipherOn).spec.template.spec;
    const values = (container: Container | undefined) => Object.fromEntries((container?.env ?? []).map((v) => [v.name, v.value]));
    const service = values(pod.containers[0]);
    const sidecar = values(pod.initContainers?.[0]);
    for (const name of ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG', 'OTEL_RESOURCE_ATTRIBUTES']) {
      expect(sidecar[name], name).toBe(service[name]);
    }
    expect(sidecar.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://collector:4318');
    expect(sidecar.OTEL_SERVICE_NAME).toBe('payment-cipher');
  });
});
