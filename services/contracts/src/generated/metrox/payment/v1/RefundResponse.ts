// Original file: proto/metrox/payment/v1/payment.proto

import type { Payment as _metrox_payment_v1_Payment, Payment__Output as _metrox_payment_v1_Payment__Output } from '../../../metrox/payment/v1/Payment.ts';

export interface RefundResponse {
  'payment'?: (_metrox_payment_v1_Payment | null);
  'refundId'?: (string);
}

export interface RefundResponse__Output {
  'payment': (_metrox_payment_v1_Payment__Output | null);
  'refundId': (string);
}
