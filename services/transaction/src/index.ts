// @metrox/transaction: the service definition (for tests and tools) and its pure domain.
export { transactionService } from './service.ts';
export { quoteFare, type FareQuote } from './network/fare.ts';
export { loadNetwork, type FareNetwork, type Station } from './network/network.ts';
export { decide, type TransactionStatus } from './domain/state-machine.ts';
