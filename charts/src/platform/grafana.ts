// Grafana with its data sources provisioned (Prometheus with exemplar links to
// Jaeger, Jaeger with span-to-metrics links back) and a sidecar that loads every
// ConfigMap labelled `grafana_dashboard: "1"` in the namespace: the overview
// dashboard below and each service's dashboard the operator writes.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { stringify } from 'yaml';
import { configMapSidecar } from '../support/configmap-sidecar.ts';
import { platformImages } from '../support/images.ts';
import { appLabels, namespace, platform } from '../support/names.ts';
import { PlatformDeployment } from '../support/platform-deployment.ts';
import { httpProbe, resources, scratchVolume } from '../support/restricted.ts';
import { overviewDashboard } from './overview-dashboard.ts';

const { name, port, adminSecret } = platform.grafana;
export const dashboardLabel = 'grafana_dashboard';
const dashboardsDir = '/var/lib/grafana-dashboards';

export const datasourceUids = { prometheus: 'prometheus', jaeger: 'jaeger' } as const;

export function datasourcesConfig(): string {
  return stringify({
    apiVersion: 1,
    datasources: [
      {
        name: 'Prometheus',
        uid: datasourceUids.prometheus,
        type: 'prometheus',
        access: 'proxy',
        url: `http://${platform.prometheus.name}:${platform.prometheus.port}`,
        isDefault: true,
        // metrics → trace: an exemplar's trace_id opens the trace in Jaeger.
        jsonData: { httpMethod: 'POST', exemplarTraceIdDestinations: [{ name: 'trace_id', datasourceUid: datasourceUids.jaeger }] },
      },
      {
        name: 'Jaeger',
        uid: datasourceUids.jaeger,
        type: 'jaeger',
        access: 'proxy',
        url: `http://${platform.jaeger.name}:${platform.jaeger.uiPort}`,
        jsonData: {
          // trace → metrics: a span links to its service's request rate and latency.
          // `$$` escapes Grafana's environment-variable expansion in provisioning files.
          tracesToMetrics: {
            datasourceUid: datasourceUids.prometheus,
            spanStartTimeShift: '-5m',
            spanEndTimeShift: '5m',
            tags: [{ key: 'service.name', value: 'service' }],
            queries: [
              { name: 'Request rate', query: 'sum(rate(http_server_request_duration_seconds_count{$$__tags}[5m]))' },
              { name: 'p99 latency', query: 'histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket{$$__tags}[5m])))' },
            ],
          },
          nodeGraph: { enabled: true },
        },
      },
    ],
  });
}

export function dashboardProvidersConfig(): string {
  return stringify({
    apiVersion: 1,
    providers: [
      {
        name: 'metrox',
        type: 'file',
        disableDeletion: false,
        updateIntervalSeconds: 10,
        allowUiUpdates: false,
        options: { path: dashboardsDir, foldersFromFilesStructure: false },
      },
    ],
  });
}

export interface GrafanaProps {
  /** Development password of the admin user; replace the Secret in production. */
  adminPassword: string;
}

export class Grafana extends Construct {
  constructor(scope: Construct, id: string, props: GrafanaProps) {
    super(scope, id);
    const labels = appLabels(name, 'dashboards');
    const datasources = datasourcesConfig();
    const providers = dashboardProvidersConfig();

    new k8s.KubeSecret(this, 'admin', {
      metadata: { name: adminSecret, labels, annotations: { 'metrox.io/development-only': 'replace this Secret outside local development' } },
      type: 'kubernetes.io/basic-auth',
      stringData: { username: 'admin', password: props.adminPassword },
    });
    new k8s.KubeConfigMap(this, 'datasources', { metadata: { name: `${name}-datasources`, labels }, data: { 'datasources.yaml': datasources } });
    new k8s.KubeConfigMap(this, 'providers', { metadata: { name: `${name}-dashboard-providers`, labels }, data: { 'providers.yaml': providers } });
    new k8s.KubeConfigMap(this, 'overview', {
      metadata: { name: 'metrox-overview-dashboard', labels: { ...labels, [dashboardLabel]: '1' } },
      data: { 'metrox-overview.json': JSON.stringify(overviewDashboard(datasourceUids.prometheus), null, 2) },
    });

    // The sidecar watches ConfigMaps: read-only, in this namespace only.
    new k8s.KubeServiceAccount(this, 'account', { metadata: { name, labels }, automountServiceAccountToken: true });
    new k8s.KubeRole(this, 'role', {
      metadata: { name: `${name}-dashboards`, labels },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }],
    });
    new k8s.KubeRoleBinding(this, 'binding', {
      metadata: { name: `${name}-dashboards`, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${name}-dashboards` },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    });

    const dashboardsMount = { name: 'dashboards', mountPath: dashboardsDir };
    new PlatformDeployment(this, 'workload', {
      name,
      component: 'dashboards',
      uid: 472,
      ports: { http: port },
      config: datasources + providers,
      serviceAccountName: name,
      container: {
        image: platformImages.grafana,
        env: [
          { name: 'GF_SECURITY_ADMIN_USER', valueFrom: { secretKeyRef: { name: adminSecret, key: 'username' } } },
          { name: 'GF_SECURITY_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: adminSecret, key: 'password' } } },
          { name: 'GF_AUTH_ANONYMOUS_ENABLED', value: 'true' },
          { name: 'GF_AUTH_ANONYMOUS_ORG_ROLE', value: 'Viewer' },
          { name: 'GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH', value: `${dashboardsDir}/metrox-overview.json` },
          { name: 'GF_ANALYTICS_REPORTING_ENABLED', value: 'false' },
          { name: 'GF_ANALYTICS_CHECK_FOR_UPDATES', value: 'false' },
        ],
        resources: resources({ cpu: '100m', memory: '128Mi' }, '512Mi'),
        readinessProbe: httpProbe('/api/health', 'http', 5),
        livenessProbe: httpProbe('/api/health', 'http', 15),
        volumeMounts: [
          { name: 'data', mountPath: '/var/lib/grafana' },
          { name: 'tmp', mountPath: '/tmp' },
          { name: 'datasources', mountPath: '/etc/grafana/provisioning/datasources', readOnly: true },
          { name: 'providers', mountPath: '/etc/grafana/provisioning/dashboards', readOnly: true },
          { ...dashboardsMount, readOnly: true },
        ],
      },
      sidecars: [configMapSidecar({ name: 'dashboard-sidecar', label: dashboardLabel, mount: dashboardsMount })],
      volumes: [
        scratchVolume('data', '1Gi'),
        scratchVolume('tmp'),
        scratchVolume('dashboards'),
        { name: 'datasources', configMap: { name: `${name}-datasources` } },
        { name: 'providers', configMap: { name: `${name}-dashboard-providers` } },
      ],
    });
  }
}
