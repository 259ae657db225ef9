// Every environment variable the operator renders into a service container has a
// reader: the kit, the OpenTelemetry SDK, a service's own settings, or another
// rendered value that expands it. A variable nobody reads would be a promise the
// platform does not keep (it changes nothing), so this test fails on one.
import { kitEnvironmentNames } from '@metrox/kit';
import { describe, expect, it } from 'vitest';
import { declarations, serviceNames } from '../../charts/metrox.config.ts';
import { managedEnvNames } from '../../operator/src/render/workload.ts';
import { cipherAddress } from '../../services/payment/src/service.ts';
import { renderedEnvVars } from './support/rendered-env.ts';

/** Standard variables the OpenTelemetry Node SDK reads itself (the kit's telemetry is configured only by them). */
const readByOpenTelemetry = ['OTEL_SERVICE_NAME', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG', 'OTEL_RESOURCE_ATTRIBUTES'];

/** Read by a service's own code, each checked below by calling its reader. */
const readByServices: Record<string, (value: string) => string | undefined> = {
  CIPHER_ADDR: (value) => cipherAddress({ CIPHER_ADDR: value }),
};

function readersOf(service: (typeof serviceNames)[number]): Set<string> {
  const settings = declarations[service].settings;
  const settingsNames = settings !== undefined && 'shape' in settings ? Object.keys(settings.shape as object) : [];
  return new Set([...kitEnvironmentNames, ...readByOpenTelemetry, ...Object.keys(readByServices), ...settingsNames]);
}

describe('the operator\'s rendered service environment', () => {
  it.each(serviceNames)('of %s has a reader for every variable', (service) => {
    const env = renderedEnvVars(service);
    // $(NAME) in another value is read by the kubelet when it starts the container.
    const expanded = new Set(env.flatMap((variable) => [...(variable.value ?? '').matchAll(/\$\(([A-Z0-9_]+)\)/g)].map((match) => match[1] ?? '')));
    const readers = readersOf(service);
    const unread = env.map((variable) => variable.name).filter((name) => !readers.has(name) && !expanded.has(name));
    expect(unread).toEqual([]);
  });

  it('leaves no managed variable unrendered: each one the operator claims is rendered for some chart service', () => {
    const rendered = new Set(serviceNames.flatMap((service) => renderedEnvVars(service).map((variable) => variable.name)));
    expect([...managedEnvNames].filter((name) => !rendered.has(name))).toEqual([]);
  });

  it('is read by the services\' own readers as rendered', () => {
    for (const [name, read] of Object.entries(readByServices)) expect(read('127.0.0.1:7400'), name).toBe('127.0.0.1:7400');
  });
});
