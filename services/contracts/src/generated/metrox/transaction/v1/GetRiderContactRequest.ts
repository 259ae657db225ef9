// Original file: proto/metrox/transaction/v1/transaction.proto


export interface GetRiderContactRequest {
  'riderId'?: (string);
}

export interface GetRiderContactRequest__Output {
  'riderId': (string);
}
