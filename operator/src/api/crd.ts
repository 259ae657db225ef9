// The MetroXService CustomResourceDefinition as a plain object: write it as YAML
// (charts) or send it as raw JSON (tests, the operator's install check).
import { group, kind, plural, shortNames, singular, specSchema, version } from './metroxservice.ts';
import type { JsonSchema } from './schema-builder.ts';

const conditionSchema: JsonSchema = {
  type: 'object',
  description: 'A metav1.Condition: one aspect of the service\'s state.',
  required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
  properties: {
    type: { type: 'string', description: 'Ready, Available, DatabaseReady, BrokerReady or DashboardReady.', maxLength: 316 },
    status: { type: 'string', enum: ['True', 'False', 'Unknown'], description: 'True, False or Unknown.' },
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0, description: 'metadata.generation the condition was computed from.' },
    lastTransitionTime: { type: 'string', format: 'date-time', description: 'When the status last changed.' },
    reason: { type: 'string', maxLength: 1024, minLength: 1, pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$', description: 'Why, as one CamelCase word.' },
    message: { type: 'string', maxLength: 32768, description: 'What happened and what to do about it.' },
  },
};

function wiringRecordSchema(what: string): JsonSchema {
  return {
    type: 'object',
    description: what,
    required: ['hash', 'verifiedAt'],
    properties: {
      hash: { type: 'string', maxLength: 64, description: 'Digest of the wiring asked for when it was last done.' },
      verifiedAt: { type: 'string', format: 'date-time', description: 'When it was last done or verified.' },
    },
  };
}

export const statusSchema: JsonSchema = {
  type: 'object',
  description: 'Observed state, written by the operator.',
  properties: {
    observedGeneration: { type: 'integer', format: 'int64', description: 'The metadata.generation the operator last acted on.' },
    replicas: { type: 'integer', format: 'int32', description: 'Pods of the Deployment.' },
    readyReplicas: { type: 'integer', format: 'int32', description: 'Ready Pods of the Deployment.' },
    selector: { type: 'string', description: 'Label selector of the service\'s Pods (scale subresource).' },
    conditions: {
      type: 'array',
      description: 'Ready summarises the others: Available, DatabaseReady, BrokerReady, DashboardReady.',
      items: conditionSchema,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
      maxItems: 16,
    },
    database: {
      type: 'object',
      description: 'The service\'s Postgres database.',
      properties: {
        name: { type: 'string', description: 'Database (and role) name.' },
        secretName: { type: 'string', description: 'Secret with DATABASE_URL, PGUSER, PGPASSWORD, PGDATABASE, PGHOST, PGPORT.' },
      },
    },
    broker: {
      type: 'object',
      description: 'The service\'s broker topology.',
      properties: {
        queue: { type: 'string', description: 'The durable quorum queue of the service.' },
        boundTypes: { type: 'array', items: { type: 'string' }, description: 'Event types the queue is bound to.' },
      },
    },
    dashboard: {
      type: 'object',
      description: 'The service\'s Grafana dashboard.',
      properties: { configMapName: { type: 'string', description: 'ConfigMap labelled grafana_dashboard=1.' } },
    },
    wiring: {
      type: 'object',
      description: 'What the operator last wired in Postgres and RabbitMQ: a resync skips wiring that matches, until its drift check is due.',
      properties: { database: wiringRecordSchema('The database and role.'), broker: wiringRecordSchema('The exchange, queues and bindings.') },
    },
  },
};

/** Object names become Deployment, Service and label values: a DNS-1035 label with room for suffixes. */
const nameRule = {
  rule: "self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$') && self.metadata.name.size() <= 52",
  message: 'metadata.name must be a DNS-1035 label of at most 52 characters (lower case letters, digits and dashes, starting with a letter)',
};

export const openAPIV3Schema: JsonSchema = {
  type: 'object',
  description: 'A MetroX microservice: the operator turns it into a Deployment, Service, autoscaling, a Postgres database, broker queues and a Grafana dashboard.',
  required: ['spec'],
  properties: {
    apiVersion: { type: 'string', description: 'metrox.io/v1alpha1' },
    kind: { type: 'string', description: 'MetroXService' },
    metadata: { type: 'object' },
    spec: specSchema,
    status: statusSchema,
  },
  'x-kubernetes-validations': [nameRule],
};

export const crdName = `${plural}.${group}`;

export function metroxServiceCrd() {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: crdName, labels: { 'app.kubernetes.io/part-of': 'metrox' } },
    spec: {
      group,
      scope: 'Namespaced',
      names: { kind, plural, singular, shortNames, listKind: `${kind}List`, categories: ['metrox', 'all'] },
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: structuredClone(openAPIV3Schema) },
          subresources: {
            status: {},
            scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' },
          },
          additionalPrinterColumns: [
            { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas', description: 'Desired Pods.' },
            { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas', description: 'Ready Pods.' },
            { name: 'Status', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason', description: 'Reason of the Ready condition.' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
        },
      ],
    },
  };
}
