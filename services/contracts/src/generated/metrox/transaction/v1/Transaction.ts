// Original file: proto/metrox/transaction/v1/transaction.proto

import type { Long } from '@grpc/proto-loader';

export interface Transaction {
  'id'?: (string);
  'riderId'?: (string);
  'fromStation'?: (string);
  'toStation'?: (string);
  'paymentMethod'?: (string);
  'fareCents'?: (number | string | Long);
  'currency'?: (string);
  'status'?: (string);
  'failureReason'?: (string);
  'createdAt'?: (string);
  'updatedAt'?: (string);
}

export interface Transaction__Output {
  'id': (string);
  'riderId': (string);
  'fromStation': (string);
  'toStation': (string);
  'paymentMethod': (string);
  'fareCents': (number);
  'currency': (string);
  'status': (string);
  'failureReason': (string);
  'createdAt': (string);
  'updatedAt': (string);
}
