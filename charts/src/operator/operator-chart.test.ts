import { configurationVariables, operatorServiceName, telemetryVariables } from '@metrox/operator/install';
import { describe, expect, it } from 'vitest';
import { buildCharts, chartObjects } from '../manifests.ts';

interface Container {
  name: string;
  env?: { name: string; value?: string }[];
}

function operatorContainer(): Container {
  const deployment = chartObjects(buildCharts().operator).find((object) => object.kind === 'Deployment') as { spec: { template: { spec: { containers: Container[] } } } } | undefined;
  const container = deployment?.spec.template.spec.containers.find((c) => c.name === 'operator');
  if (container === undefined) throw new Error('the operator chart has no operator container');
  return container;
}

describe("the operator chart's environment", () => {
  it('sets only variables the operator reads, in its configuration or its telemetry', () => {
    const read = new Set([...Object.keys(configurationVariables), ...Object.keys(telemetryVariables)]);
    const env = operatorContainer().env ?? [];
    expect(env.length).toBeGreaterThan(0);
    expect(env.map((variable) => variable.name).filter((name) => !read.has(name))).toEqual([]);
  });

  it('names the traces after the operator as its logs are named', () => {
    const env = Object.fromEntries((operatorContainer().env ?? []).map((variable) => [variable.name, variable.value]));
    expect(env).toMatchObject({ OTEL_SERVICE_NAME: operatorServiceName, LOG_LEVEL: 'info' });
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toMatch(/^http:\/\/.+:4318$/);
  });
});
