// Every place that says what a service is agrees with its declaration
// (services/<name>/src/declaration.ts): the charts' MetroXService, the local fleet,
// the operator's rendered environment (which the kit's start-up check accepts), the
// Dockerfile's ports, and the handler map the service runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { declarationMismatches, loadConfig } from '@metrox/kit';
import type { ServiceDefinition } from '@metrox/kit';
import { peerAddressVariable } from '@metrox/contracts/declaration';
import { describe, expect, it } from 'vitest';
import { declarations, serviceNames, services, type ServiceName } from '../../charts/metrox.config.ts';
import { defaultPorts, repoRoot, serviceEnvironment, type FleetSettings } from '../../scripts/local/fleet.ts';
import { notificationService } from '../../services/notification/src/service.ts';
import { operationsService } from '../../services/operations/src/service.ts';
import { paymentService } from '../../services/payment/src/service.ts';
import { transactionService } from '../../services/transaction/src/service.ts';
import { chartMetroXService, namespace, renderedEnv } from './support/rendered-env.ts';

const definitions: Record<ServiceName, () => ServiceDefinition> = {
  transaction: () => transactionService({}),
  payment: () => paymentService({ CIPHER_ADDR: '127.0.0.1:7400' }),
  operations: () => operationsService({}),
  notification: () => notificationService({}),
};

const sorted = (items: readonly string[] = []) => [...items].sort();

describe.each(serviceNames)('the declaration of %s', (name) => {
  const declaration = declarations[name];

  it('is the one the service runs, named as its chart entry', () => {
    const definition = definitions[name]();
    expect(definition.declaration).toBe(declaration);
    expect(declaration.name).toBe(name);
  });

  it('has exactly one handler per consumed event in the service\'s handler map', () => {
    expect(sorted(Object.keys(definitions[name]().events?.handlers ?? {}))).toEqual(sorted(declaration.events.consumes));
  });

  it('gives the charts\' MetroXService its ports, events, peers (at each peer\'s declared gRPC port) and metrics path', () => {
    const { spec } = chartMetroXService(name);
    expect(spec.ports).toEqual(declaration.ports);
    expect(sorted(spec.events.publishes)).toEqual(sorted(declaration.events.publishes));
    expect(sorted(spec.events.subscribes)).toEqual(sorted(declaration.events.consumes));
    expect((spec.peers ?? []).map((peer) => peer.name)).toEqual([...declaration.peers]);
    for (const peer of spec.peers ?? []) expect(peer.port, `${name} → ${peer.name}`).toBe(declarations[peer.name as ServiceName].ports.grpc);
    expect(spec.observability.metrics.path).toBe(declaration.metricsPath);
    expect(services[name].ports).toEqual(declaration.ports);
  });

  it('gives the operator\'s rendered environment its ports, events, metrics path and peers\' in-cluster addresses, which the kit accepts', () => {
    const env = renderedEnv(name);
    expect(env.PORT).toBe(String(declaration.ports.http));
    expect(env.GRPC_PORT).toBe(String(declaration.ports.grpc));
    expect(env.METRICS_PATH).toBe(declaration.metricsPath);
    expect(sorted(env.METROX_SUBSCRIBED_EVENTS?.split(','))).toEqual(sorted(declaration.events.consumes));
    expect(sorted(env.METROX_PUBLISHED_EVENTS?.split(',') ?? [])).toEqual(sorted(declaration.events.publishes));
    const peerVariables = Object.keys(env).filter((variable) => variable.endsWith('_GRPC_ADDRESS'));
    expect(sorted(peerVariables)).toEqual(sorted(declaration.peers.map(peerAddressVariable)));
    for (const peer of declaration.peers as readonly string[]) {
      expect(env[peerAddressVariable(peer)]).toBe(`${peer}.${namespace}.svc:${String(declarations[peer as ServiceName].ports.grpc)}`);
    }
    const injected = loadConfig({ name }, { ...env, POD_NAMESPACE: namespace, DATABASE_URL: 'postgres://x', AMQP_URL: 'amqp://x' }).injected;
    expect(declarationMismatches({ declaration, handled: Object.keys(definitions[name]().events?.handlers ?? {}), consumer: name }, injected)).toEqual([]);
  });

  it('gives the local fleet its default ports and its peers\' loopback addresses', () => {
    expect(defaultPorts[name]).toEqual(declaration.ports);
    const settings: FleetSettings = { adminDatabaseUrl: 'postgres://x@h/db', amqpUrl: 'amqp://x', databaseName: (service) => service, ports: defaultPorts };
    const env = serviceEnvironment(name, settings, {});
    expect([env.PORT, env.GRPC_PORT]).toEqual([String(declaration.ports.http), String(declaration.ports.grpc)]);
    const peerVariables = Object.keys(env).filter((variable) => variable.endsWith('_GRPC_ADDRESS'));
    expect(sorted(peerVariables)).toEqual(sorted(declaration.peers.map(peerAddressVariable)));
    for (const peer of declaration.peers) expect(env[peerAddressVariable(peer)]).toBe(`127.0.0.1:${String(declarations[peer as ServiceName].ports.grpc)}`);
  });

  it('gives the Dockerfile its default and exposed ports', () => {
    const dockerfile = readFileSync(join(repoRoot, 'services', name, 'Dockerfile'), 'utf8');
    const ports = `${String(declaration.ports.http)} ${String(declaration.ports.grpc)}`;
    expect(dockerfile).toMatch(new RegExp(`^ENV PORT=${String(declaration.ports.http)} GRPC_PORT=${String(declaration.ports.grpc)}$`, 'm'));
    expect(dockerfile.match(/^EXPOSE .*$/gm)).toEqual([`EXPOSE ${ports}`]);
  });
});

describe('the declarations together', () => {
  it('name each service of the charts and the local fleet once, on ports no two share', () => {
    expect(sorted(Object.keys(declarations))).toEqual(sorted(serviceNames));
    const ports = serviceNames.flatMap((name) => [declarations[name].ports.http, declarations[name].ports.grpc]);
    expect(new Set(ports).size).toBe(ports.length);
  });

  it('name only declared services as peers', () => {
    for (const name of serviceNames) for (const peer of declarations[name].peers as readonly string[]) expect(serviceNames, `${name} → ${peer}`).toContain(peer);
  });
});

describe('the Tiltfile', () => {
  it('forwards to the Transaction API on its declared HTTP port', () => {
    const tiltfile = readFileSync(join(repoRoot, 'Tiltfile'), 'utf8');
    const forward = /port_forward\((\d+), (\d+), name='Transaction API'\)/.exec(tiltfile);
    expect(forward?.[2]).toBe(String(declarations.transaction.ports.http));
  });
});
