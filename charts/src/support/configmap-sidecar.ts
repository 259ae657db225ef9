// The sidecar that loads labelled ConfigMaps of the platform namespace into a shared
// folder (k8s-sidecar): Grafana's dashboards, Prometheus' rule files. Its Pod's
// ServiceAccount needs `get, list, watch` on ConfigMaps in the namespace.
import type { k8s } from 'cdk8s-plus-28';
import { platformImages } from './images.ts';
import { namespace } from './names.ts';
import { resources } from './restricted.ts';

export interface ConfigMapSidecarProps {
  name: string;
  /** ConfigMaps labelled `<label>: "1"` are loaded. */
  label: string;
  /** The volume mount the files land in (shared with the main container). */
  mount: k8s.VolumeMount;
  /** Called after a change, e.g. a reload endpoint. */
  reload?: { method: 'POST' | 'GET'; url: string };
}

export function configMapSidecar(props: ConfigMapSidecarProps): k8s.Container {
  return {
    name: props.name,
    image: platformImages.configMapSidecar,
    env: [
      { name: 'LABEL', value: props.label },
      { name: 'LABEL_VALUE', value: '1' },
      { name: 'FOLDER', value: props.mount.mountPath },
      { name: 'RESOURCE', value: 'configmap' },
      { name: 'NAMESPACE', value: namespace },
      { name: 'METHOD', value: 'WATCH' },
      ...(props.reload === undefined ? [] : [{ name: 'REQ_URL', value: props.reload.url }, { name: 'REQ_METHOD', value: props.reload.method }]),
    ],
    // A list call every few seconds: next to nothing.
    resources: resources({ cpu: '10m', memory: '64Mi' }, '128Mi'),
    volumeMounts: [props.mount],
  };
}
