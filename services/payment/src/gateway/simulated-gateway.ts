// A payment provider simulator for demos and fault injection: per-method latency, decline
// ratio and error ratio, with the provider-side idempotency a real gateway offers.
import type { PaymentMethod } from '@metrox/contracts';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayRejectedError, GatewayUnavailableError, type ChargeResult, type PaymentGateway } from './gateway.ts';

export type PerMethod<T> = Record<PaymentMethod, T>;

export interface SimulatorSettings {
  /** Mean response time; each call takes between 0.8× and 1.2× of it. */
  latencyMs: PerMethod<number>;
  /** Share of charges the provider declines, 0..1. */
  declineRatio: PerMethod<number>;
  /** Share of calls that fail as if the provider were down (retried by the caller), 0..1. */
  errorRatio: PerMethod<number>;
}

export interface SimulatorDependencies {
  random?: () => number;
  wait?: (ms: number) => Promise<unknown>;
}

const declineReasons: PerMethod<string> = {
  upi: 'UPI collect request was declined by the payer',
  card: 'card was declined by the issuing bank',
  wallet: 'insufficient wallet balance',
};

export function createSimulatedGateway(settings: SimulatorSettings, dependencies: SimulatorDependencies = {}): PaymentGateway {
  const random = dependencies.random ?? Math.random;
  const wait = dependencies.wait ?? sleep;
  // The provider's own memory of answered requests (lost on restart, like a sandbox).
  const answered = new Map<string, ChargeResult>();
  const refunds = new Map<string, string>();
  // Which instrument each approved charge used: a refund goes back to that instrument only.
  const charged = new Map<string, string>();

  async function respond(method: PaymentMethod): Promise<void> {
    const mean = settings.latencyMs[method];
    if (mean > 0) await wait(Math.round(mean * (0.8 + 0.4 * random())));
    if (random() < settings.errorRatio[method]) throw new GatewayUnavailableError(`${method} provider timed out`);
  }

  return {
    async charge(request) {
      const previous = answered.get(request.idempotencyKey);
      if (previous) return previous;
      await respond(request.method);
      const result: ChargeResult =
        random() < settings.declineRatio[request.method]
          ? { outcome: 'declined', reason: declineReasons[request.method] }
          : { outcome: 'approved', reference: `sim_${request.method}_${randomUUID()}` };
      answered.set(request.idempotencyKey, result);
      if (result.outcome === 'approved') charged.set(result.reference, request.instrument);
      return result;
    },
    async refund(request) {
      const previous = refunds.get(request.idempotencyKey);
      if (previous) return { reference: previous };
      await wait(0);
      const instrument = charged.get(request.chargeReference);
      if (instrument !== undefined && instrument !== request.instrument) {
        throw new GatewayRejectedError('refund instrument does not match the instrument charged');
      }
      const reference = `sim_refund_${randomUUID()}`;
      refunds.set(request.idempotencyKey, reference);
      return { reference };
    },
  };
}
