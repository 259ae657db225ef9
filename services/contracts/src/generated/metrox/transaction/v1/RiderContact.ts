// Original file: proto/metrox/transaction/v1/transaction.proto


export interface RiderContact {
  'riderId'?: (string);
  'phone'?: (string);
  'email'?: (string);
  'displayName'?: (string);
}

export interface RiderContact__Output {
  'riderId': (string);
  'phone': (string);
  'email': (string);
  'displayName': (string);
}
