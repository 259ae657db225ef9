// Notification's view of Transaction over gRPC: each call has a deadline and a few quick
// retries for transient failures; what still fails is retried later by the dispatcher.
import { loadTransactionProto, type TransactionServiceClient } from '@metrox/contracts';
import { createGrpcClient, unary } from '@metrox/kit';
import { status } from '@grpc/grpc-js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Contact } from '../providers/provider.ts';
import type { PurchaseFacts } from '../domain/message.ts';

/** Transaction answered that the purchase or rider does not exist (or the request is malformed): retrying cannot help. */
export class PermanentLookupError extends Error {
  override name = 'PermanentLookupError';
}

const transient = new Set<number>([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.RESOURCE_EXHAUSTED, status.ABORTED, status.INTERNAL, status.UNKNOWN]);

/** Pure: whether a failed call may succeed if repeated. */
export function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code !== 'number' || transient.has(code);
}

export interface TransactionLookup {
  purchase(transactionId: string): Promise<PurchaseFacts & { riderId: string }>;
  contact(riderId: string): Promise<Contact>;
  close(): void;
}

export function createTransactionLookup(address: string, options: { deadlineMs: number; attempts: number }): TransactionLookup {
  const Client = loadTransactionProto().metrox.transaction.v1.TransactionService;
  const client: TransactionServiceClient = createGrpcClient(Client, address, { deadlineMs: options.deadlineMs });

  async function withRetry<T>(what: string, call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!isTransient(error)) throw new PermanentLookupError(`${what}: ${(error as Error).message}`, { cause: error });
        if (attempt >= options.attempts) throw new Error(`${what}: ${(error as Error).message}`, { cause: error });
        await sleep(100 * 2 ** attempt);
      }
    }
  }

  return {
    async purchase(transactionId) {
      const found = await withRetry(`GetTransaction ${transactionId}`, () =>
        unary(client.getTransaction.bind(client), { id: transactionId }),
      );
      return {
        transactionId: found.id,
        riderId: found.riderId,
        fromStation: found.fromStation,
        toStation: found.toStation,
        fareCents: found.fareCents,
        currency: found.currency,
      };
    },
    async contact(riderId) {
      const found = await withRetry(`GetRiderContact ${riderId}`, () => unary(client.getRiderContact.bind(client), { riderId }));
      return { riderId: found.riderId, email: found.email, phone: found.phone, displayName: found.displayName };
    },
    close() {
      client.close();
    },
  };
}
