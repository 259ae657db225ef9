// The platform broker: RabbitMQ with the management UI and its Prometheus
// endpoint. New queues default to quorum queues (replicated, poison-message aware).
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { platformImages } from '../support/images.ts';
import { appLabels, namespace, platform, selectorLabels } from '../support/names.ts';
import { httpProbe, resources, restrictedContainerSecurity, restrictedPodSecurity, scratchVolume } from '../support/restricted.ts';

const { name, amqpPort, managementPort, metricsPort, adminSecret } = platform.rabbitmq;
/** uid of the `rabbitmq` user in the official image. */
const rabbitmqUid = 999;

export interface RabbitMqProps {
  storage: string;
  /** Development credentials of the admin user; replace the Secret in production. */
  adminPassword: string;
}

export function rabbitmqConf(): string {
  return [
    `listeners.tcp.default = ${amqpPort}`,
    `management.tcp.port = ${managementPort}`,
    `prometheus.tcp.port = ${metricsPort}`,
    // Every durable queue declared without an explicit type becomes a quorum queue.
    'default_queue_type = quorum',
    'log.console = true',
    'log.console.level = info',
    'log.file = false',
    '',
  ].join('\n');
}

export class RabbitMq extends Construct {
  constructor(scope: Construct, id: string, props: RabbitMqProps) {
    super(scope, id);
    const labels = appLabels(name, 'broker');

    new k8s.KubeSecret(this, 'admin', {
      metadata: { name: adminSecret, labels, annotations: { 'metrox.io/development-only': 'replace this Secret outside local development' } },
      type: 'kubernetes.io/basic-auth',
      stringData: {
        username: 'metrox',
        password: props.adminPassword,
        url: `amqp://metrox:${props.adminPassword}@${name}.${namespace}.svc:${amqpPort}`,
        'management-url': `http://metrox:${props.adminPassword}@${name}.${namespace}.svc:${managementPort}`,
      },
    });

    new k8s.KubeConfigMap(this, 'config', {
      metadata: { name: `${name}-config`, labels },
      data: { 'rabbitmq.conf': rabbitmqConf(), enabled_plugins: '[rabbitmq_management,rabbitmq_prometheus].\n' },
    });

    new k8s.KubeService(this, 'service', {
      metadata: { name, labels },
      spec: {
        selector: selectorLabels(name),
        ports: [
          { name: 'amqp', port: amqpPort, targetPort: k8s.IntOrString.fromString('amqp') },
          { name: 'management', port: managementPort, targetPort: k8s.IntOrString.fromString('management') },
          { name: 'metrics', port: metricsPort, targetPort: k8s.IntOrString.fromString('metrics') },
        ],
      },
    });

    new k8s.KubeStatefulSet(this, 'statefulset', {
      metadata: { name, labels },
      spec: {
        serviceName: name,
        replicas: 1,
        selector: { matchLabels: selectorLabels(name) },
        template: {
          metadata: {
            labels,
            // The broker's aggregated metrics (/metrics). Per-queue depths, for the overview
            // dashboard's dead-letter panel, come from Prometheus' `rabbitmq-queues` job: a
            // metrics path cannot carry a query string (Prometheus escapes the `?`).
            annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(metricsPort) },
          },
          spec: {
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurity(rabbitmqUid),
            containers: [
              {
                name: 'rabbitmq',
                image: platformImages.rabbitmq,
                ports: [
                  { name: 'amqp', containerPort: amqpPort },
                  { name: 'management', containerPort: managementPort },
                  { name: 'metrics', containerPort: metricsPort },
                ],
                env: [
                  { name: 'RABBITMQ_DEFAULT_USER', valueFrom: { secretKeyRef: { name: adminSecret, key: 'username' } } },
                  { name: 'RABBITMQ_DEFAULT_PASS', valueFrom: { secretKeyRef: { name: adminSecret, key: 'password' } } },
                  { name: 'RABBITMQ_CONFIG_FILES', value: '/etc/rabbitmq/conf.d' },
                  { name: 'RABBITMQ_ENABLED_PLUGINS_FILE', value: '/etc/rabbitmq/conf.d/enabled_plugins' },
                  { name: 'RABBITMQ_NODENAME', value: 'rabbit@localhost' },
                ],
                securityContext: restrictedContainerSecurity(),
                resources: resources({ cpu: '250m', memory: '512Mi' }, '1Gi'),
                // Probes that cost no Erlang VM start: the broker answers on its ports once booted.
                startupProbe: { tcpSocket: { port: k8s.IntOrString.fromString('amqp') }, periodSeconds: 5, failureThreshold: 60 },
                readinessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('amqp') }, periodSeconds: 10 },
                livenessProbe: { ...httpProbe('/metrics', 'metrics', 20), failureThreshold: 6 },
                volumeMounts: [
                  { name: 'data', mountPath: '/var/lib/rabbitmq' },
                  { name: 'config', mountPath: '/etc/rabbitmq/conf.d', readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [{ name: 'config', configMap: { name: `${name}-config` } }, scratchVolume('tmp')],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data', labels },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: k8s.Quantity.fromString(props.storage) } } },
          },
        ],
      },
    });
  }
}
