// Original file: proto/metrox/transaction/v1/transaction.proto


export interface GetTransactionRequest {
  'id'?: (string);
}

export interface GetTransactionRequest__Output {
  'id': (string);
}
