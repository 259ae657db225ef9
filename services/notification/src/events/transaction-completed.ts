// A completed purchase becomes a PENDING notification, once per transaction and outcome,
// with everything the message needs (the purchase, the rider's contact) from the event
// itself. Sending happens in the dispatcher from this row alone: no other service has to
// be up to tell the rider, and the event is never held up by a slow provider.
import type { Handlers } from '@metrox/kit';
import { randomUUID } from 'node:crypto';
import { captureTrace } from '../dispatch/trace-carrier.ts';
import type { notificationDeclaration } from '../declaration.ts';
import { recordOutcome } from '../store/notifications.ts';

export const transactionCompletedHandlers: Handlers<typeof notificationDeclaration> = {
  async TransactionCompleted(data, ctx) {
    const recorded = await recordOutcome(ctx.tx, {
      id: randomUUID(),
      transactionId: data.transactionId,
      outcome: data.status,
      failureReason: data.status === 'FAILED' ? (data.reason ?? 'payment failed') : null,
      sourceEventId: ctx.event.id,
      purchase: {
        riderId: data.riderId,
        fromStation: data.fromStation,
        toStation: data.toStation,
        fareCents: data.fareCents,
        currency: data.currency,
        // A producer before riderContact travelled: the log reaches any rider.
        contact: data.riderContact ?? { displayName: '', email: '', phone: '' },
      },
      trace: captureTrace(),
    });
    if (!recorded) ctx.logger.info({ transactionId: data.transactionId }, 'rider already told about this outcome');
  },
};
