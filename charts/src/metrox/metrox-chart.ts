// The MetroX services themselves: one MetroXService per service, typed against the
// operator's API, each with its own replica count from metrox.config.ts.
import { ApiObject, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { metroxService } from '@metrox/operator/api';
import type { ServiceName, ServiceSettings } from '../../metrox.config.ts';
import { metroxImage } from '../support/images.ts';
import { namespace } from '../support/names.ts';

/** A cipher key Secret: entry name = key id, value = a 256-bit key as base64. */
export interface CipherKeys {
  secretName: string;
  keys: Record<string, string>;
}

export class MetroxChart extends Chart {
  constructor(scope: Construct, id: string, services: Record<ServiceName, ServiceSettings>, cipherKeys: readonly CipherKeys[] = []) {
    super(scope, id, { namespace, disableResourceNameHashes: true });
    // Before the services: a sidecar mounting a missing Secret would not start.
    for (const { secretName, keys } of cipherKeys) {
      new ApiObject(this, secretName, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: secretName,
          annotations: { 'metrox.io/note': 'Development key, public in the repository: replace this Secret before running anywhere shared.' },
          labels: { 'app.kubernetes.io/part-of': 'metrox', 'app.kubernetes.io/component': 'cipher-keys' },
        },
        type: 'Opaque',
        stringData: keys,
      });
    }
    for (const [name, settings] of Object.entries(services)) {
      const resource = metroxService(
        { name, labels: { 'app.kubernetes.io/part-of': 'metrox' } },
        {
          image: metroxImage(name),
          ...settings,
          // The sidecar's image is named here, not left to the operator's default, so the
          // release pins it and Tilt can put the image it built in its place.
          ...(settings.cipher?.enabled === true ? { cipher: { ...settings.cipher, image: metroxImage('cipher') } } : {}),
        },
      );
      new ApiObject(this, name, resource);
    }
  }
}
