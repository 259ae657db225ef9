// Pure: does what the operator rendered for this Pod match what the code declares?
// A MetroXService edited by hand (an event added, a peer dropped, another metrics
// path) would otherwise run half-wired; the kit refuses to start instead, naming it.
import { peerAddressVariable, type ServiceDeclaration } from '@metrox/contracts/declaration';
import type { InjectedEnvironment } from './config.ts';

const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((item) => b.includes(item)) && new Set(a).size === new Set(b).size;
const shown = (items: readonly string[]): string => (items.length === 0 ? 'nothing' : [...items].sort().join(', '));

export interface CheckedService {
  declaration: ServiceDeclaration;
  /** Event types the code has handlers for. */
  handled: readonly string[];
  /** The queue the kit consumes from (events.consumer or the service name). */
  consumer: string;
}

/** Every disagreement between the injected environment, the declaration and the handlers; empty when they agree. */
export function declarationMismatches(service: CheckedService, injected: InjectedEnvironment): string[] {
  const { declaration, handled, consumer } = service;
  const problems: string[] = [];
  if (!sameSet(handled, declaration.events.consumes)) {
    problems.push(`the handlers take ${shown(handled)} but the declaration consumes ${shown(declaration.events.consumes)}`);
  }
  if (injected.subscribes !== undefined && !sameSet(injected.subscribes, declaration.events.consumes)) {
    problems.push(`METROX_SUBSCRIBED_EVENTS is ${shown(injected.subscribes)} but ${declaration.name} consumes ${shown(declaration.events.consumes)}`);
  }
  if (injected.publishes !== undefined && !sameSet(injected.publishes, declaration.events.publishes)) {
    problems.push(`METROX_PUBLISHED_EVENTS is ${shown(injected.publishes)} but ${declaration.name} publishes ${shown(declaration.events.publishes)}`);
  }
  if (injected.queue !== undefined && injected.queue !== consumer) {
    problems.push(`METROX_QUEUE is ${injected.queue} but the service consumes from ${consumer}`);
  }
  if (injected.metricsPath !== undefined && injected.metricsPath !== declaration.metricsPath) {
    problems.push(`METRICS_PATH is ${injected.metricsPath} but ${declaration.name} declares ${declaration.metricsPath}`);
  }
  // Ports and peers are the operator's only inside a Pod; local runs choose free ports and addresses.
  if (injected.namespace !== undefined) {
    if (injected.httpPort !== undefined && injected.httpPort !== declaration.ports.http) {
      problems.push(`PORT is ${String(injected.httpPort)} but ${declaration.name} declares HTTP port ${String(declaration.ports.http)}`);
    }
    if (injected.grpcPort !== declaration.ports.grpc) {
      problems.push(`GRPC_PORT is ${injected.grpcPort === undefined ? 'not set' : String(injected.grpcPort)} but ${declaration.name} declares gRPC port ${String(declaration.ports.grpc)}`);
    }
    const declared = declaration.peers.map(peerAddressVariable);
    const missing = declared.filter((name) => injected.peerAddresses[name] === undefined);
    const extra = Object.keys(injected.peerAddresses).filter((name) => !declared.includes(name));
    if (missing.length > 0) problems.push(`${missing.join(', ')} not set: ${declaration.name} calls ${shown(declaration.peers)} (spec.peers lacks them)`);
    if (extra.length > 0) problems.push(`${extra.join(', ')} set but ${declaration.name} calls ${shown(declaration.peers)} (spec.peers names a peer the code does not call)`);
  }
  return problems;
}

/** The one line a service that must not start logs and throws. */
export function mismatchMessage(name: string, problems: readonly string[]): string {
  return `refusing to start: the MetroXService of ${name} does not match its declaration: ${problems.join('; ')}`;
}
