// The payment instrument a purchase is charged to. TransactionCreated names only the
// method, so the simulated provider's instrument is derived from the rider: a UPI
// address, a card token or a wallet id, the same for the same rider every time.
import type { PaymentMethod } from '@metrox/contracts';
import { createHash } from 'node:crypto';

const digest = (value: string, length: number): string => createHash('sha256').update(value).digest('hex').slice(0, length);

/** Pure: the rider's instrument reference for `method` (a secret: store it only encrypted). */
export function instrumentReference(method: PaymentMethod, riderId: string): string {
  switch (method) {
    case 'upi': {
      // A UPI virtual payment address: handle@bank, handle in [a-z0-9._-].
      const handle = riderId.toLowerCase().replace(/[^a-z0-9._-]/g, '').slice(0, 40) || `rider${digest(riderId, 8)}`;
      return `${handle}.${digest(`upi:${riderId}`, 4)}@okmetro`;
    }
    case 'card':
      return `tok_${digest(`card:${riderId}`, 24)}`;
    case 'wallet':
      return `wlt_${digest(`wallet:${riderId}`, 16)}`;
  }
}
