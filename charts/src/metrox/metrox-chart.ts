// The MetroX services themselves: one MetroXService per service, typed against the
// operator's API, each with its own replica count from metrox.config.ts.
import { ApiObject, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { metroxService } from '@metrox/operator/api';
import type { ServiceName, ServiceSettings } from '../../metrox.config.ts';
import { metroxImage } from '../support/images.ts';
import { namespace } from '../support/names.ts';

export class MetroxChart extends Chart {
  constructor(scope: Construct, id: string, services: Record<ServiceName, ServiceSettings>) {
    super(scope, id, { namespace, disableResourceNameHashes: true });
    for (const [name, settings] of Object.entries(services)) {
      const resource = metroxService(
        { name, labels: { 'app.kubernetes.io/part-of': 'metrox' } },
        { image: metroxImage(name), ...settings },
      );
      new ApiObject(this, name, resource);
    }
  }
}
