// @metrox/payment: the service definition (for tests and tools) and the gateway simulator.
export { paymentService } from './service.ts';
export { createSimulatedGateway, type SimulatorSettings } from './gateway/simulated-gateway.ts';
export { simulatorSettingsFromEnv } from './gateway/settings.ts';
export type { PaymentGateway, ChargeResult } from './gateway/gateway.ts';
