// Original file: proto/metrox/payment/v1/payment.proto

import type { Long } from '@grpc/proto-loader';

export interface Payment {
  'id'?: (string);
  'transactionId'?: (string);
  'method'?: (string);
  'amountCents'?: (number | string | Long);
  'currency'?: (string);
  'status'?: (string);
  'failureReason'?: (string);
  'createdAt'?: (string);
  'updatedAt'?: (string);
}

export interface Payment__Output {
  'id': (string);
  'transactionId': (string);
  'method': (string);
  'amountCents': (number);
  'currency': (string);
  'status': (string);
  'failureReason': (string);
  'createdAt': (string);
  'updatedAt': (string);
}
