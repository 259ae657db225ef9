// One stateless platform component: a Deployment running a single restricted
// container, and the Service in front of it. Collector, Jaeger, Prometheus and
// Grafana differ only in what they pass here.
import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { appLabels, selectorLabels } from './names.ts';
import { restrictedContainerSecurity, restrictedPodSecurity } from './restricted.ts';

export interface PlatformDeploymentProps {
  name: string;
  component: string;
  /** Run-as uid the image expects. */
  uid: number;
  /** Named container ports; every one is exposed by the Service. */
  ports: Record<string, number>;
  container: Omit<k8s.Container, 'name' | 'ports' | 'securityContext'>;
  /** Extra containers (e.g. a sidecar); they get the restricted security context too. */
  sidecars?: k8s.Container[];
  volumes?: k8s.Volume[];
  podAnnotations?: Record<string, string>;
  serviceAccountName?: string;
  /** Mounted configuration: its checksum is a Pod annotation, so a config change rolls the Pods. */
  config?: string;
  replicas?: number;
}

function podAnnotations(props: PlatformDeploymentProps): Record<string, string> | undefined {
  const annotations = { ...props.podAnnotations };
  if (props.config !== undefined) annotations['metrox.io/config-checksum'] = checksum(props.config);
  return Object.keys(annotations).length === 0 ? undefined : annotations;
}

export function checksum(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export class PlatformDeployment extends Construct {
  constructor(scope: Construct, id: string, props: PlatformDeploymentProps) {
    super(scope, id);
    const labels = appLabels(props.name, props.component);
    const ports = Object.entries(props.ports);

    new k8s.KubeService(this, 'service', {
      metadata: { name: props.name, labels },
      spec: {
        selector: selectorLabels(props.name),
        ports: ports.map(([portName, port]) => ({ name: portName, port, targetPort: k8s.IntOrString.fromString(portName) })),
      },
    });

    new k8s.KubeDeployment(this, 'deployment', {
      metadata: { name: props.name, labels },
      spec: {
        replicas: props.replicas ?? 1,
        selector: { matchLabels: selectorLabels(props.name) },
        template: {
          metadata: { labels, annotations: podAnnotations(props) },
          spec: {
            ...(props.serviceAccountName === undefined
              ? { automountServiceAccountToken: false }
              : { serviceAccountName: props.serviceAccountName }),
            securityContext: restrictedPodSecurity(props.uid),
            containers: [
              {
                ...props.container,
                name: props.name,
                ports: ports.map(([portName, containerPort]) => ({ name: portName, containerPort })),
                securityContext: restrictedContainerSecurity(),
              },
              ...(props.sidecars ?? []).map((sidecar) => ({ ...sidecar, securityContext: restrictedContainerSecurity() })),
            ],
            ...(props.volumes === undefined ? {} : { volumes: props.volumes }),
          },
        },
      },
    });
  }
}
