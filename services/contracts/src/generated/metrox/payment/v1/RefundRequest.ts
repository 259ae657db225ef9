// Original file: proto/metrox/payment/v1/payment.proto


export interface RefundRequest {
  'paymentId'?: (string);
  'reason'?: (string);
  'idempotencyKey'?: (string);
}

export interface RefundRequest__Output {
  'paymentId': (string);
  'reason': (string);
  'idempotencyKey': (string);
}
