// The one place to change what the charts deploy: each service's replica count,
// ports, events and scaling, and the platform's sizes and development credentials.
// `npm run synth` turns it into k8s/; the types come from the operator's API, so a
// typo here is a type error, not a rejected manifest.
import type { MetroXServiceSpecInput } from '@metrox/operator/api';
import type { PlatformSettings } from './src/platform/platform-chart.ts';

export const serviceNames = ['transaction', 'payment', 'operations', 'notification'] as const;
export type ServiceName = (typeof serviceNames)[number];

/** A service's spec without its image: the charts pin the image to the MetroX release. */
export type ServiceSettings = Omit<MetroXServiceSpecInput, 'image'>;

/** Each service's ports: its own spec and the peers that call it read them from here. */
const ports = {
  transaction: { http: 8080, grpc: 50051 },
  payment: { http: 8081, grpc: 50052 },
  operations: { http: 8082, grpc: 50053 },
  notification: { http: 8083, grpc: 50054 },
} as const satisfies Record<ServiceName, { http: number; grpc: number }>;

export const services: Record<ServiceName, ServiceSettings> = {
  transaction: {
    replicas: 2,
    ports: ports.transaction,
    database: {},
    events: { publishes: ['TransactionCreated', 'TransactionCompleted'], subscribes: ['PaymentConfirmed', 'PaymentFailed'] },
  },
  payment: {
    replicas: 2,
    ports: ports.payment,
    database: {},
    events: { publishes: ['PaymentConfirmed', 'PaymentFailed'], subscribes: ['TransactionCreated'] },
    // The autoscaling example: a HorizontalPodAutoscaler on CPU between 2 and 10 Pods.
    autoscaling: { minReplicas: 2, maxReplicas: 10, targetCPUUtilizationPercentage: 70 },
    // Instrument references are stored only as ciphertext from the cipher sidecar.
    cipher: { enabled: true, keySecretName: 'payment-cipher-keys' },
  },
  operations: {
    replicas: 1,
    ports: ports.operations,
    database: {},
    events: { subscribes: ['TransactionCreated', 'TransactionCompleted', 'PaymentConfirmed', 'PaymentFailed', 'NotificationSent'] },
  },
  notification: {
    replicas: 1,
    ports: ports.notification,
    database: {},
    // The purchase and the rider's contact travel in TransactionCompleted: no peer to call.
    events: { publishes: ['NotificationSent'], subscribes: ['TransactionCompleted'] },
  },
};

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
