// Resources a user applies to see what one MetroXService buys: each example is
// typed against the operator's API and written to k8s/examples/ with a comment
// that says what it shows.
import { metroxService, type MetroXServiceInput } from '@metrox/operator/api';
import { metroxRegistry } from '../support/images.ts';
import { namespace } from '../support/names.ts';

export interface Example {
  file: string;
  comment: string;
  resource: MetroXServiceInput;
}

export const examples: Example[] = [
  {
    file: 'service-with-database-and-events.yaml',
    comment: [
      'A new service with its own Postgres database and events.',
      'The operator creates the database and a role that can reach only it (credentials in the',
      'Secret named in status.database.secretName), a durable quorum queue bound to exactly the',
      'subscribed event types with a dead-letter queue, a Grafana dashboard, and the Deployment',
      'with DATABASE_URL, AMQP_URL and the OTEL_* variables set. deletionPolicy: Delete drops the',
      'database when the resource is deleted (the default, Retain, keeps it).',
      'Replace the image with your own service\'s. Try:',
      '  kubectl apply -f k8s/examples/service-with-database-and-events.yaml',
      '  kubectl wait --for=condition=Ready mxs/fare-alerts -n metrox',
      '  kubectl get mxs fare-alerts -n metrox -o yaml   # status: conditions, database, broker, dashboard',
    ].join('\n'),
    resource: metroxService(
      { name: 'fare-alerts', namespace },
      {
        image: `${metroxRegistry}/examples/fare-alerts:0.1.0`,
        replicas: 1,
        ports: { http: 8080 },
        database: { name: 'fare_alerts', deletionPolicy: 'Delete' },
        events: { publishes: ['FareAlertSent'], subscribes: ['TransactionCompleted'] },
        observability: { logLevel: 'debug', tracing: { samplingRatio: 0.5 } },
      },
    ),
  },
  {
    file: 'autoscaled-service.yaml',
    comment: [
      'A stateless service that scales itself: the operator creates a HorizontalPodAutoscaler',
      'that keeps average CPU near 60% of the request, between 1 and 5 Pods. A CPU request is',
      'what the percentage is measured against, so the example sets one. No database, no events:',
      'only what is declared gets wired. Replace the image with your own service\'s. Try:',
      '  kubectl apply -f k8s/examples/autoscaled-service.yaml',
      '  kubectl get hpa,mxs -n metrox',
    ].join('\n'),
    resource: metroxService(
      { name: 'ticket-validator', namespace },
      {
        image: `${metroxRegistry}/examples/ticket-validator:0.1.0`,
        ports: { http: 8080, grpc: 50051 },
        resources: { requests: { cpu: '200m', memory: '128Mi' }, limits: { memory: '256Mi' } },
        autoscaling: { minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 60 },
      },
    ),
  },
];
