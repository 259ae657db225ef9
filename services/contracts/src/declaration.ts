// What a service is, written once next to its code: name, ports, the events it
// publishes and consumes, the peers it calls over gRPC, its metrics path and its
// settings schema. The charts, the local fleet, the Dockerfiles' ports, the
// operator's rendered environment and the kit's start-up check all read it.
import type { z } from 'zod';
import type { EventType } from './events.ts';

/** A service's own settings: the zod schema it parses its environment with. */
export type SettingsSchema = z.ZodType<Record<string, unknown>>;

export interface ServiceDeclaration<
  Name extends string = string,
  Publishes extends readonly EventType[] = readonly EventType[],
  Consumes extends readonly EventType[] = readonly EventType[],
  Peers extends readonly string[] = readonly string[],
> {
  /** Also the Kubernetes name of its MetroXService, its queue and its database. */
  name: Name;
  ports: { http: number; grpc: number };
  events: { publishes: Publishes; consumes: Consumes };
  /** Services it calls over gRPC, by name: each one's address arrives as <NAME>_GRPC_ADDRESS. */
  peers: Peers;
  metricsPath: string;
  settings?: SettingsSchema;
}

/** The default where Prometheus scrapes a service. */
export const defaultMetricsPath = '/metrics';

/**
 * Types a declaration so its event names are checked against the contracts (a
 * misspelt event is a type error) and its literal names survive for the handler map
 * and the peer list. `metricsPath` defaults to /metrics.
 */
export function defineService<
  const Name extends string,
  const Publishes extends readonly EventType[],
  const Consumes extends readonly EventType[],
  const Peers extends readonly string[],
>(declaration: {
  name: Name;
  ports: { http: number; grpc: number };
  events: { publishes: Publishes; consumes: Consumes };
  peers: Peers;
  metricsPath?: string;
  settings?: SettingsSchema;
}): ServiceDeclaration<Name, Publishes, Consumes, Peers> {
  const problems = declarationProblems(declaration);
  if (problems.length > 0) throw new Error(`service declaration ${declaration.name}: ${problems.join('; ')}`);
  return { ...declaration, metricsPath: declaration.metricsPath ?? defaultMetricsPath };
}

/** Pure: what is wrong with a declaration that types cannot catch. */
export function declarationProblems(declaration: Pick<ServiceDeclaration, 'name' | 'ports' | 'events' | 'peers'> & { metricsPath?: string }): string[] {
  const problems: string[] = [];
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(declaration.name)) problems.push('name must be a DNS label (lower case letters, digits, dashes)');
  for (const [kind, port] of Object.entries(declaration.ports)) {
    if (!Number.isInteger(port) || port < 1 || port > 65_535) problems.push(`ports.${kind} ${String(port)} is not a port`);
  }
  if (declaration.ports.http === declaration.ports.grpc) problems.push('ports.http and ports.grpc must differ');
  const duplicates = (list: readonly string[]) => list.filter((item, index) => list.indexOf(item) !== index);
  for (const [what, list] of [['events.publishes', declaration.events.publishes], ['events.consumes', declaration.events.consumes], ['peers', declaration.peers]] as const) {
    for (const duplicate of new Set(duplicates(list))) problems.push(`${what} names ${duplicate} twice`);
  }
  if (declaration.peers.includes(declaration.name)) problems.push('a service is not its own peer');
  if (declaration.metricsPath !== undefined && !/^\/[A-Za-z0-9/_.-]*$/.test(declaration.metricsPath)) problems.push(`metricsPath ${declaration.metricsPath} is not an absolute path`);
  return problems;
}

/** The variable a service reads a gRPC peer's address from: transaction → TRANSACTION_GRPC_ADDRESS. */
export function peerAddressVariable(peer: string): string {
  return `${peer.toUpperCase().replaceAll('-', '_')}_GRPC_ADDRESS`;
}
