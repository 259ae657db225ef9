// The platform Postgres: one StatefulSet with a volume claim, a Service, and the
// admin Secret the operator uses to create each service's database and role.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { platformImages } from '../support/images.ts';
import { appLabels, namespace, platform, selectorLabels } from '../support/names.ts';
import { resources, restrictedContainerSecurity, restrictedPodSecurity, scratchVolume } from '../support/restricted.ts';

const { name, port, adminSecret } = platform.postgres;
/** uid of the `postgres` user in the Alpine image. */
const postgresUid = 70;
/** Room for the services' pools at a few replicas each, the operator and an admin session. */
const maxConnections = 300;

export interface PostgresProps {
  /** Size of the data volume. */
  storage: string;
  /** Development password of the admin role; replace the Secret in production. */
  adminPassword: string;
}

export class Postgres extends Construct {
  constructor(scope: Construct, id: string, props: PostgresProps) {
    super(scope, id);
    const labels = appLabels(name, 'database');

    new k8s.KubeSecret(this, 'admin', {
      metadata: { name: adminSecret, labels, annotations: { 'metrox.io/development-only': 'replace this Secret outside local development' } },
      type: 'kubernetes.io/basic-auth',
      stringData: {
        username: 'postgres',
        password: props.adminPassword,
        url: `postgres://postgres:${props.adminPassword}@${name}.${namespace}.svc:${port}/postgres`,
      },
    });

    new k8s.KubeService(this, 'service', {
      metadata: { name, labels },
      spec: { selector: selectorLabels(name), ports: [{ name: 'postgres', port, targetPort: k8s.IntOrString.fromString('postgres') }] },
    });

    const readiness: k8s.Probe = {
      exec: { command: ['pg_isready', '--host=127.0.0.1', '--username=postgres'] },
      periodSeconds: 5,
      timeoutSeconds: 3,
    };
    new k8s.KubeStatefulSet(this, 'statefulset', {
      metadata: { name, labels },
      spec: {
        serviceName: name,
        replicas: 1,
        selector: { matchLabels: selectorLabels(name) },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurity(postgresUid),
            containers: [
              {
                name: 'postgres',
                image: platformImages.postgres,
                // Every service replica keeps a pool of up to DATABASE_POOL_MAX (24) connections:
                // four services scaled out would pass Postgres' default limit of 100.
                args: ['-c', `max_connections=${String(maxConnections)}`],
                ports: [{ name: 'postgres', containerPort: port }],
                env: [
                  { name: 'POSTGRES_USER', valueFrom: { secretKeyRef: { name: adminSecret, key: 'username' } } },
                  { name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: adminSecret, key: 'password' } } },
                  // A subdirectory: the volume's root holds lost+found, which initdb refuses.
                  { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
                ],
                securityContext: restrictedContainerSecurity(),
                resources: resources({ cpu: '250m', memory: '256Mi' }, '1Gi'),
                readinessProbe: readiness,
                livenessProbe: { ...readiness, periodSeconds: 10, failureThreshold: 6 },
                volumeMounts: [
                  { name: 'data', mountPath: '/var/lib/postgresql/data' },
                  { name: 'run', mountPath: '/var/run/postgresql' },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [scratchVolume('run', '1Mi'), scratchVolume('tmp', '256Mi')],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data', labels },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: k8s.Quantity.fromString(props.storage) } } },
          },
        ],
      },
    });
  }
}
