// The one place to change what the charts deploy: each service's replica count and
// scaling, and the platform's sizes and development credentials. Ports, events, peers
// and the metrics path are each service's declaration (services/<name>/src/declaration.ts).
// `npm run synth` turns it into k8s/; the types come from the operator's API, so a
// typo here is a type error, not a rejected manifest.
import { defaultMetricsPath, type ServiceDeclaration } from '@metrox/contracts/declaration';
import { notificationDeclaration } from '@metrox/notification/declaration';
import { operationsDeclaration } from '@metrox/operations/declaration';
import { paymentDeclaration } from '@metrox/payment/declaration';
import { transactionDeclaration } from '@metrox/transaction/declaration';
import type { MetroXServiceSpecInput } from '@metrox/operator/api';
import type { PlatformSettings } from './src/platform/platform-chart.ts';

/** Each service's declaration, next to its code: ports, events, peers and metrics path come from there. */
export const declarations = {
  transaction: transactionDeclaration,
  payment: paymentDeclaration,
  operations: operationsDeclaration,
  notification: notificationDeclaration,
} as const satisfies Record<string, ServiceDeclaration>;

export const serviceNames = ['transaction', 'payment', 'operations', 'notification'] as const satisfies readonly (keyof typeof declarations)[];
export type ServiceName = (typeof serviceNames)[number];

/** A service's spec without its image: the charts pin the image to the MetroX release. */
export type ServiceSettings = Omit<MetroXServiceSpecInput, 'image'>;

/** What the charts choose for a service; what it is comes from its declaration. */
type ChartChoices = Omit<ServiceSettings, 'ports' | 'events' | 'peers'>;

/** The spec fields a declaration decides: ports, events, gRPC peers (with each peer's declared port), metrics path. */
export function declaredSpec(declaration: ServiceDeclaration): Pick<ServiceSettings, 'ports' | 'events' | 'peers' | 'observability'> {
  return {
    ports: { ...declaration.ports },
    events: { publishes: [...declaration.events.publishes], subscribes: [...declaration.events.consumes] },
    ...(declaration.peers.length === 0
      ? {}
      : {
          peers: declaration.peers.map((peer) => {
            const called = (declarations as Record<string, ServiceDeclaration>)[peer];
            if (called === undefined) throw new Error(`${declaration.name} calls ${peer}, which no declaration names`);
            return { name: peer, port: called.ports.grpc };
          }),
        }),
    // The API's default is /metrics: only another path is written out.
    ...(declaration.metricsPath === defaultMetricsPath ? {} : { observability: { metrics: { path: declaration.metricsPath } } }),
  };
}

const choices: Record<ServiceName, ChartChoices> = {
  transaction: { replicas: 2, database: {} },
  payment: {
    replicas: 2,
    database: {},
    // The autoscaling example: a HorizontalPodAutoscaler on CPU between 2 and 10 Pods.
    autoscaling: { minReplicas: 2, maxReplicas: 10, targetCPUUtilizationPercentage: 70 },
    // Instrument references are stored only as ciphertext from the cipher sidecar.
    cipher: { enabled: true, keySecretName: 'payment-cipher-keys' },
  },
  operations: { replicas: 1, database: {} },
  notification: { replicas: 1, database: {} },
};

export const services: Record<ServiceName, ServiceSettings> = Object.fromEntries(
  serviceNames.map((name) => {
    const declared = declaredSpec(declarations[name]);
    const chosen = choices[name];
    const observability = chosen.observability === undefined && declared.observability === undefined ? {} : { observability: { ...chosen.observability, ...declared.observability } };
    return [name, { ...chosen, ...declared, ...observability }];
  }),
) as Record<ServiceName, ServiceSettings>;

/** Development values: replace the Secrets they produce before running anywhere shared. */
export const platformSettings: PlatformSettings = {
  postgres: { storage: '2Gi', adminPassword: 'metrox-dev-postgres' },
  rabbitmq: { storage: '1Gi', adminPassword: 'metrox-dev-rabbitmq' },
  grafana: { adminPassword: 'metrox-dev-grafana' },
};

/**
 * Development key of Payment's cipher sidecar (Secret payment-cipher-keys; the entry
 * name is the key id, the value 32 random bytes as base64). It is public: replace the
 * Secret with your own keys (`openssl rand -base64 32`) before running anywhere shared.
 */
export const cipherDevelopmentKeys: { secretName: string; keys: Record<string, string> } = {
  secretName: 'payment-cipher-keys',
  keys: { 'dev-1': 'R8QZ87R40Q25tnr6RD5R/Zf9KZk1Y+pp9EU3rd72U90=' },
};
