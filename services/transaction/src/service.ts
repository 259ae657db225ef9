// The transaction service: rider purchases (REST), their saga end (events), lookups (gRPC).
import { ownRowsBatching, type ServiceDefinition } from '@metrox/kit';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { paymentOutcomeHandlers } from './events/payment-outcome.ts';
import { transactionGrpc } from './grpc/transaction-service.ts';
import { transactionRoutes } from './http/routes.ts';
import { loadNetwork } from './network/network.ts';
import { transactionDeclaration } from './declaration.ts';

const packageVersion = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export function transactionService(env: NodeJS.ProcessEnv = process.env): ServiceDefinition {
  const network = loadNetwork(env.FARE_NETWORK_FILE ?? new URL('./network/kochi-metro.json', import.meta.url));
  return {
    declaration: transactionDeclaration,
    version: packageVersion,
    description: 'MetroX rider purchases: a metro ticket is a transaction, PENDING until Payment answers.',
    migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
    routes: transactionRoutes(network),
    grpc: transactionGrpc,
    events: { handlers: paymentOutcomeHandlers, ...ownRowsBatching },
    env,
  };
}
