// Alertmanager: receives the alerts Prometheus fires (the SLO burn-rate alerts the
// operator renders for every MetroXService), groups them per service and SLO, and
// shows them in its UI and API. It sends nothing anywhere until a receiver is
// configured: the one route ends in an empty receiver, for people to replace.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { stringify } from 'yaml';
import { platformImages } from '../support/images.ts';
import { appLabels, platform } from '../support/names.ts';
import { PlatformDeployment } from '../support/platform-deployment.ts';
import { httpProbe, resources, scratchVolume } from '../support/restricted.ts';

const { name, port } = platform.alertmanager;

export function alertmanagerConfig(): string {
  return stringify({
    route: {
      receiver: 'default',
      group_by: ['alertname', 'namespace', 'service', 'slo'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
      // Pages page; tickets wait for the next working day (a receiver of their own when one is configured).
      routes: [{ matchers: ['severity="ticket"'], receiver: 'default', repeat_interval: '24h' }],
    },
    receivers: [{ name: 'default' }],
  });
}

export class Alertmanager extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const labels = appLabels(name, 'alerting');
    const config = alertmanagerConfig();
    new k8s.KubeConfigMap(this, 'config', { metadata: { name: `${name}-config`, labels }, data: { 'alertmanager.yml': config } });
    new PlatformDeployment(this, 'workload', {
      name,
      component: 'alerting',
      uid: 65534,
      ports: { web: port },
      config,
      container: {
        image: platformImages.alertmanager,
        args: [
          '--config.file=/etc/alertmanager/alertmanager.yml',
          '--storage.path=/alertmanager',
          `--web.listen-address=:${String(port)}`,
          // One replica, no peers: an empty address turns gossip off.
          '--cluster.listen-address=',
        ],
        resources: resources({ cpu: '10m', memory: '64Mi' }, '256Mi'),
        readinessProbe: httpProbe('/-/ready', 'web', 5),
        livenessProbe: httpProbe('/-/healthy', 'web', 15),
        volumeMounts: [
          { name: 'config', mountPath: '/etc/alertmanager', readOnly: true },
          { name: 'data', mountPath: '/alertmanager' },
        ],
      },
      volumes: [{ name: 'config', configMap: { name: `${name}-config` } }, scratchVolume('data', '256Mi')],
    });
  }
}
