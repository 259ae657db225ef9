// The payment service: charges purchases against a (simulated) provider, exactly once each.
import type { FastifyInstance } from 'fastify';
import type { Kit, ServiceDefinition } from '@metrox/kit';
import { createCipherClient } from '@metrox/kit/cipher';
import { Histogram } from 'prom-client';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chargeHandlers } from './events/charge.ts';
import { simulatorSettingsFromEnv } from './gateway/settings.ts';
import { createSimulatedGateway } from './gateway/simulated-gateway.ts';
import { paymentGrpc } from './grpc/payment-service.ts';
import { paymentRoutes } from './http/routes.ts';
import { paymentDeclaration } from './declaration.ts';

const packageVersion = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** PAYMENT_GIVE_UP_AFTER_ATTEMPTS, by default one attempt before the inbox would dead-letter (CONSUMER_MAX_ATTEMPTS, default 5). */
export function giveUpAfterAttempts(env: NodeJS.ProcessEnv): number {
  if (env.PAYMENT_GIVE_UP_AFTER_ATTEMPTS === undefined) return Math.max(1, (Number(env.CONSUMER_MAX_ATTEMPTS) || 5) - 1);
  const configured = Number(env.PAYMENT_GIVE_UP_AFTER_ATTEMPTS);
  if (!Number.isInteger(configured) || configured < 1) {
    throw new Error('PAYMENT_GIVE_UP_AFTER_ATTEMPTS must be a positive integer (below CONSUMER_MAX_ATTEMPTS)');
  }
  return configured;
}

/** The cipher helper's address; there is no plaintext fallback, so Payment does not start without one. */
export function cipherAddress(env: NodeJS.ProcessEnv): string {
  const address = env.CIPHER_ADDR?.trim();
  if (!address) {
    throw new Error(
      'CIPHER_ADDR is not set: Payment stores payment instruments only encrypted through the cipher helper (host:port on loopback, e.g. 127.0.0.1:7400); start the helper beside Payment and set CIPHER_ADDR',
    );
  }
  return address;
}

export function paymentService(env: NodeJS.ProcessEnv = process.env): ServiceDefinition {
  const cipher = createCipherClient({ address: cipherAddress(env), deadlineMs: Number(env.PAYMENT_CIPHER_DEADLINE_MS) || 2_000 });
  const gateway = createSimulatedGateway(simulatorSettingsFromEnv(env));
  // Registered with the kit's registry once it exists (in `routes`).
  const gatewayDuration = new Histogram({
    name: 'metrox_payment_gateway_duration_seconds',
    help: 'Time the payment provider took to answer a charge, by method and outcome (approved, declined, error)',
    labelNames: ['method', 'outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [],
  });
  return {
    declaration: paymentDeclaration,
    version: packageVersion,
    description: 'MetroX payments: charges ticket purchases against a simulated UPI/card/wallet gateway, at most once each.',
    migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
    routes: (app: FastifyInstance, kit: Kit) => {
      kit.metrics.registry.registerMetric(gatewayDuration);
      paymentRoutes(app, kit);
    },
    grpc: paymentGrpc(gateway, cipher),
    events: {
      handlers: chargeHandlers({ gateway, cipher, gatewayDuration, giveUpAfterAttempts: giveUpAfterAttempts(env) }),
      // Charges wait on the provider without a database connection (a prepared handler), so
      // many can be in flight: at ~350 ms per answer, 256 keep up with ~700 purchases/s.
      prefetch: 256,
    },
    env,
  };
}
