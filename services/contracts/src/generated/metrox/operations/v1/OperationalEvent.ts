// Original file: proto/metrox/operations/v1/operations.proto


export interface OperationalEvent {
  'id'?: (string);
  'type'?: (string);
  'source'?: (string);
  'time'?: (string);
  'transactionId'?: (string);
  'dataJson'?: (string);
}

export interface OperationalEvent__Output {
  'id': (string);
  'type': (string);
  'source': (string);
  'time': (string);
  'transactionId': (string);
  'dataJson': (string);
}
