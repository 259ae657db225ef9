// Original file: proto/metrox/payment/v1/payment.proto


export interface GetPaymentRequest {
  'paymentId'?: (string);
  'transactionId'?: (string);
  'by'?: "paymentId"|"transactionId";
}

export interface GetPaymentRequest__Output {
  'paymentId'?: (string);
  'transactionId'?: (string);
  'by'?: "paymentId"|"transactionId";
}
