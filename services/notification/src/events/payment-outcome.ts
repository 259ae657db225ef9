// A payment outcome becomes a PENDING notification, once per transaction and outcome.
// Sending happens in the dispatcher, so a slow or absent Transaction service never
// holds up (or loses) the event: the row waits in this service's database until it can go.
import type { Handlers } from '@metrox/kit';
import { randomUUID } from 'node:crypto';
import { captureTrace } from '../dispatch/trace-carrier.ts';
import { notificationDeclaration } from '../declaration.ts';
import { recordOutcome } from '../store/notifications.ts';

export const paymentOutcomeHandlers: Handlers<typeof notificationDeclaration> = {
  async PaymentConfirmed(data, ctx) {
    const recorded = await recordOutcome(ctx.tx, {
      id: randomUUID(),
      transactionId: data.transactionId,
      outcome: 'CONFIRMED',
      failureReason: null,
      paymentEventId: ctx.event.id,
      trace: captureTrace(),
    });
    if (!recorded) ctx.logger.info({ transactionId: data.transactionId }, 'rider already told about this outcome');
  },
  async PaymentFailed(data, ctx) {
    const recorded = await recordOutcome(ctx.tx, {
      id: randomUUID(),
      transactionId: data.transactionId,
      outcome: 'FAILED',
      failureReason: data.reason,
      paymentEventId: ctx.event.id,
      trace: captureTrace(),
    });
    if (!recorded) ctx.logger.info({ transactionId: data.transactionId }, 'rider already told about this outcome');
  },
};
