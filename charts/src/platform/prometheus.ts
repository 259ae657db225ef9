// Prometheus: discovers the Pods of the platform namespace and scrapes those that
// ask for it (`prometheus.io/scrape`, `prometheus.io/port`, `prometheus.io/path`),
// the convention the operator follows for every MetroX service; a second job scrapes
// a sidecar's metrics port (`metrox.io/sidecar-metrics-port`). Exemplar storage is
// on, so latency panels link to the traces behind them. The rules the operator renders
// for each MetroXService (SLO recording rules and burn-rate alerts, ConfigMaps labelled
// `prometheus_rule`) are loaded by a sidecar, which reloads Prometheus after a change;
// alerts go to Alertmanager.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { stringify } from 'yaml';
import { prometheusRuleLabel } from '@metrox/operator/render';
import { configMapSidecar } from '../support/configmap-sidecar.ts';
import { platformImages } from '../support/images.ts';
import { appLabels, namespace, platform } from '../support/names.ts';
import { PlatformDeployment } from '../support/platform-deployment.ts';
import { httpProbe, resources, scratchVolume } from '../support/restricted.ts';

const { name, port } = platform.prometheus;
const rulesDir = '/etc/prometheus-rules';

export function prometheusConfig(): string {
  const annotation = (key: string) => `__meta_kubernetes_pod_annotation_prometheus_io_${key}`;
  const sidecarPort = '__meta_kubernetes_pod_annotation_metrox_io_sidecar_metrics_port';
  return stringify({
    global: { scrape_interval: '15s', evaluation_interval: '15s' },
    rule_files: [`${rulesDir}/*.yaml`],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [`${platform.alertmanager.name}:${platform.alertmanager.port}`] }] }] },
    scrape_configs: [
      {
        job_name: 'pods',
        kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: [namespace] } }],
        relabel_configs: [
          { source_labels: [annotation('scrape')], action: 'keep', regex: 'true' },
          // Only running Pods: a finished init or a pending Pod has nothing to scrape.
          { source_labels: ['__meta_kubernetes_pod_phase'], action: 'keep', regex: 'Running' },
          { source_labels: [annotation('path')], action: 'replace', regex: '(.+)', target_label: '__metrics_path__' },
          {
            source_labels: ['__address__', annotation('port')],
            action: 'replace',
            regex: '([^:]+)(?::\\d+)?;(\\d+)',
            replacement: '$1:$2',
            target_label: '__address__',
          },
          { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
          { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
          // Dashboards group by `service`: the app.kubernetes.io/name of the Pod.
          { source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'], target_label: 'service' },
        ],
      },
      {
        // A sidecar's own metrics (the cipher helper's) on the port the operator names in
        // `metrox.io/sidecar-metrics-port`: one Pod, a second target.
        job_name: 'pod-sidecars',
        kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: [namespace] } }],
        relabel_configs: [
          { source_labels: [sidecarPort], action: 'keep', regex: '\\d+' },
          { source_labels: ['__meta_kubernetes_pod_phase'], action: 'keep', regex: 'Running' },
          {
            source_labels: ['__address__', sidecarPort],
            action: 'replace',
            regex: '([^:]+)(?::\\d+)?;(\\d+)',
            replacement: '$1:$2',
            target_label: '__address__',
          },
          { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
          { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
          { source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'], target_label: 'service' },
        ],
      },
      {
        // Per-queue depths (dead-letter queues included) live on a separate endpoint.
        job_name: 'rabbitmq-queues',
        metrics_path: '/metrics/detailed',
        params: { family: ['queue_coarse_metrics'] },
        static_configs: [{ targets: [`${platform.rabbitmq.name}:${platform.rabbitmq.metricsPort}`], labels: { service: platform.rabbitmq.name } }],
      },
      { job_name: 'prometheus', static_configs: [{ targets: [`localhost:${port}`] }] },
      { job_name: 'alertmanager', static_configs: [{ targets: [`${platform.alertmanager.name}:${platform.alertmanager.port}`], labels: { service: platform.alertmanager.name } }] },
    ],
  });
}

export class Prometheus extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const labels = appLabels(name, 'metrics');
    const config = prometheusConfig();

    // Service discovery reads Pods in its own namespace, the rule sidecar its ConfigMaps: a Role, not a ClusterRole.
    new k8s.KubeServiceAccount(this, 'account', { metadata: { name, labels }, automountServiceAccountToken: true });
    new k8s.KubeRole(this, 'role', {
      metadata: { name: `${name}-discovery`, labels },
      rules: [{ apiGroups: [''], resources: ['pods', 'services', 'endpoints', 'configmaps'], verbs: ['get', 'list', 'watch'] }],
    });
    new k8s.KubeRoleBinding(this, 'binding', {
      metadata: { name: `${name}-discovery`, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${name}-discovery` },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    });
    new k8s.KubeConfigMap(this, 'config', { metadata: { name: `${name}-config`, labels }, data: { 'prometheus.yml': config } });

    const rulesMount = { name: 'rules', mountPath: rulesDir };
    new PlatformDeployment(this, 'workload', {
      name,
      component: 'metrics',
      uid: 65534,
      ports: { web: port },
      config,
      serviceAccountName: name,
      container: {
        image: platformImages.prometheus,
        args: [
          '--config.file=/etc/prometheus/prometheus.yml',
          '--storage.tsdb.path=/prometheus',
          '--storage.tsdb.retention.time=2d',
          '--enable-feature=exemplar-storage',
          '--web.enable-lifecycle',
        ],
        // Scraping a dozen targets and evaluating the SLO rules every 15 s takes a few percent of a core.
        resources: resources({ cpu: '100m', memory: '512Mi' }, '2Gi'),
        readinessProbe: httpProbe('/-/ready', 'web', 5),
        livenessProbe: httpProbe('/-/healthy', 'web', 15),
        volumeMounts: [
          { name: 'config', mountPath: '/etc/prometheus', readOnly: true },
          { name: 'data', mountPath: '/prometheus' },
          { ...rulesMount, readOnly: true },
        ],
      },
      sidecars: [configMapSidecar({ name: 'rules-sidecar', label: prometheusRuleLabel, mount: rulesMount, reload: { method: 'POST', url: `http://localhost:${port}/-/reload` } })],
      volumes: [{ name: 'config', configMap: { name: `${name}-config` } }, scratchVolume('data', '4Gi'), scratchVolume('rules')],
    });
  }
}
