// The platform: namespace, data stores, broker, telemetry pipeline, alerting and dashboards,
// and the NetworkPolicies between them. One deployable unit, one chart.
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { namespace } from '../support/names.ts';
import { Alertmanager } from './alertmanager.ts';
import { Grafana } from './grafana.ts';
import { Jaeger } from './jaeger.ts';
import { PlatformNamespace } from './namespace.ts';
import { NetworkPolicies } from './network-policies.ts';
import { OtelCollector } from './otel-collector.ts';
import { Postgres } from './postgres.ts';
import { Prometheus } from './prometheus.ts';
import { RabbitMq } from './rabbitmq.ts';

export interface PlatformSettings {
  postgres: { storage: string; adminPassword: string };
  rabbitmq: { storage: string; adminPassword: string };
  grafana: { adminPassword: string };
}

export class PlatformChart extends Chart {
  constructor(scope: Construct, id: string, settings: PlatformSettings) {
    super(scope, id, { namespace, disableResourceNameHashes: true });
    new PlatformNamespace(this, 'namespace');
    new Postgres(this, 'postgres', settings.postgres);
    new RabbitMq(this, 'rabbitmq', settings.rabbitmq);
    new OtelCollector(this, 'otel-collector');
    new Jaeger(this, 'jaeger');
    new Prometheus(this, 'prometheus');
    new Alertmanager(this, 'alertmanager');
    new Grafana(this, 'grafana', settings.grafana);
    new NetworkPolicies(this, 'network-policies');
  }
}
