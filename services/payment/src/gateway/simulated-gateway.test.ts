import { describe, expect, it } from 'vitest';
import { GatewayRejectedError, GatewayUnavailableError } from './gateway.ts';
import { simulatorDefaults, simulatorSettingsFromEnv } from './settings.ts';
import { createSimulatedGateway, type SimulatorSettings } from './simulated-gateway.ts';

const instant: SimulatorSettings = {
  latencyMs: { upi: 0, card: 0, wallet: 0 },
  declineRatio: { upi: 0, card: 0, wallet: 1 },
  errorRatio: { upi: 0, card: 0, wallet: 0 },
};
const charge = { idempotencyKey: 'tx-1', method: 'upi', amountCents: 2000, currency: 'INR', instrument: 'asha@okmetro' } as const;

describe('simulated gateway', () => {
  it('approves by default and declines per method with a rider-safe reason', async () => {
    const gateway = createSimulatedGateway(instant);
    const approved = await gateway.charge(charge);
    expect(approved.outcome === 'approved' && approved.reference.startsWith('sim_upi_')).toBe(true);
    await expect(gateway.charge({ ...charge, idempotencyKey: 'tx-2', method: 'wallet' })).resolves.toEqual({
      outcome: 'declined',
      reason: 'insufficient wallet balance',
    });
  });

  it('the same idempotency key never charges twice: it returns the first answer', async () => {
    let draws = 0;
    const gateway = createSimulatedGateway({ ...instant, declineRatio: { upi: 0.5, card: 0.5, wallet: 0.5 } }, {
      random: () => (draws++ === 0 ? 0.9 : 0.1),
    });
    const first = await gateway.charge(charge);
    expect(await gateway.charge(charge)).toEqual(first);
    expect(draws).toBe(2); // one error draw and one decline draw, for the first call only
  });

  it('waits the configured latency with jitter', async () => {
    const waits: number[] = [];
    const gateway = createSimulatedGateway({ ...instant, latencyMs: { upi: 100, card: 0, wallet: 0 } }, {
      random: () => 0.5,
      wait: (ms) => Promise.resolve(waits.push(ms)),
    });
    await gateway.charge(charge);
    expect(waits).toEqual([100]);
  });

  it('an injected provider error is retryable and remembers nothing', async () => {
    let errors = 1;
    const gateway = createSimulatedGateway({ ...instant, errorRatio: { upi: 0.5, card: 0, wallet: 0 } }, {
      random: () => (errors-- > 0 ? 0 : 0.99),
    });
    await expect(gateway.charge(charge)).rejects.toBeInstanceOf(GatewayUnavailableError);
    await expect(gateway.charge(charge)).resolves.toMatchObject({ outcome: 'approved' });
  });

  it('refunds only to the instrument that was charged', async () => {
    const gateway = createSimulatedGateway(instant);
    const approved = await gateway.charge(charge);
    if (approved.outcome !== 'approved') throw new Error('expected an approval');
    const refund = { idempotencyKey: 'r-1', chargeReference: approved.reference, amountCents: 2000 };
    await expect(gateway.refund({ ...refund, instrument: 'mx1.k1.not-decrypted' })).rejects.toBeInstanceOf(GatewayRejectedError);
    expect((await gateway.refund({ ...refund, instrument: charge.instrument })).reference).toMatch(/^sim_refund_/);
  });
});

describe('simulator settings from the environment', () => {
  it('uses the defaults when nothing is set', () => {
    expect(simulatorSettingsFromEnv({})).toEqual(simulatorDefaults);
  });

  it('takes one value for all methods or per-method overrides', () => {
    const settings = simulatorSettingsFromEnv({ PAYMENT_GATEWAY_LATENCY_MS: '5', PAYMENT_DECLINE_RATIO: 'wallet=1, card=0' });
    expect(settings.latencyMs).toEqual({ upi: 5, card: 5, wallet: 5 });
    expect(settings.declineRatio).toEqual({ ...simulatorDefaults.declineRatio, wallet: 1, card: 0 });
  });

  it('names the variable when a value is wrong', () => {
    expect(() => simulatorSettingsFromEnv({ PAYMENT_DECLINE_RATIO: '1.5' })).toThrow('PAYMENT_DECLINE_RATIO: "1.5" is not a number from 0 to 1');
    expect(() => simulatorSettingsFromEnv({ PAYMENT_DECLINE_RATIO: 'cash=1' })).toThrow('method=value');
    expect(() => simulatorSettingsFromEnv({ PAYMENT_GATEWAY_LATENCY_MS: 'fast' })).toThrow('PAYMENT_GATEWAY_LATENCY_MS');
  });
});
