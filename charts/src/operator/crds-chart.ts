// The CustomResourceDefinitions, as the operator's API declares them (never
// re-declared here). Synthesized into k8s/crds/ so they are applied first.
import { ApiObject, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { metroxServiceCrd } from '@metrox/operator/api';

export class CrdsChart extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id, { disableResourceNameHashes: true });
    new ApiObject(this, 'metroxservices', metroxServiceCrd());
  }
}
