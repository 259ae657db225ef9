// Pure: the simulator's settings from the environment. Each variable takes one value for
// every method ("0.1") or per-method values ("card=0.2,wallet=1"), missing methods
// keeping the default. A bad value stops start-up with the variable's name.
import { PaymentMethod } from '@metrox/contracts';
import type { PerMethod, SimulatorSettings } from './simulated-gateway.ts';

export const simulatorDefaults: SimulatorSettings = {
  latencyMs: { upi: 300, card: 600, wallet: 80 },
  declineRatio: { upi: 0.05, card: 0.08, wallet: 0.03 },
  errorRatio: { upi: 0, card: 0, wallet: 0 },
};

export function simulatorSettingsFromEnv(env: NodeJS.ProcessEnv): SimulatorSettings {
  return {
    latencyMs: perMethod('PAYMENT_GATEWAY_LATENCY_MS', env.PAYMENT_GATEWAY_LATENCY_MS, simulatorDefaults.latencyMs, 0, 60_000),
    declineRatio: perMethod('PAYMENT_DECLINE_RATIO', env.PAYMENT_DECLINE_RATIO, simulatorDefaults.declineRatio, 0, 1),
    errorRatio: perMethod('PAYMENT_GATEWAY_ERROR_RATIO', env.PAYMENT_GATEWAY_ERROR_RATIO, simulatorDefaults.errorRatio, 0, 1),
  };
}

export function perMethod(name: string, value: string | undefined, defaults: PerMethod<number>, min: number, max: number): PerMethod<number> {
  if (value === undefined || value.trim() === '') return { ...defaults };
  const number = (text: string): number => {
    const parsed = Number(text.trim());
    if (text.trim() === '' || !Number.isFinite(parsed) || parsed < min || parsed > max) {
      throw new Error(`${name}: "${text}" is not a number from ${min} to ${max}`);
    }
    return parsed;
  };
  if (!value.includes('=')) {
    const all = number(value);
    return { upi: all, card: all, wallet: all };
  }
  const result = { ...defaults };
  for (const entry of value.split(',')) {
    const [method = '', amount = '', ...rest] = entry.split('=');
    const parsedMethod = PaymentMethod.safeParse(method.trim());
    if (!parsedMethod.success || rest.length > 0) {
      throw new Error(`${name}: "${entry}" should be method=value with method one of upi, card, wallet`);
    }
    result[parsedMethod.data] = number(amount);
  }
  return result;
}
