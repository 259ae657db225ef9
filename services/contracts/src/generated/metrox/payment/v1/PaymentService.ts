// Original file: proto/metrox/payment/v1/payment.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetPaymentRequest as _metrox_payment_v1_GetPaymentRequest, GetPaymentRequest__Output as _metrox_payment_v1_GetPaymentRequest__Output } from '../../../metrox/payment/v1/GetPaymentRequest.ts';
import type { Payment as _metrox_payment_v1_Payment, Payment__Output as _metrox_payment_v1_Payment__Output } from '../../../metrox/payment/v1/Payment.ts';
import type { RefundRequest as _metrox_payment_v1_RefundRequest, RefundRequest__Output as _metrox_payment_v1_RefundRequest__Output } from '../../../metrox/payment/v1/RefundRequest.ts';
import type { RefundResponse as _metrox_payment_v1_RefundResponse, RefundResponse__Output as _metrox_payment_v1_RefundResponse__Output } from '../../../metrox/payment/v1/RefundResponse.ts';

export interface PaymentServiceClient extends grpc.Client {
  GetPayment(argument: _metrox_payment_v1_GetPaymentRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_metrox_payment_v1_Payment__Output>): grpc.ClientUnaryCall;
  GetPayment(argument: _metrox_payment_v1_GetPaymentRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_metrox_payment_v1_Payment__Output>): grpc.ClientUnaryCall;
  GetPayment(argument: _metrox_payment_v1_GetPaymentRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_metrox_payment_v1_Payment__Output>): grpc.ClientUnaryCall;
  GetPayment(argument: _metrox_payment_v1_GetPaymentRequest, callback: grpc.requestCallback<_metrox_payment_v1_Payment__Output>): grpc.ClientUnaryCall;
  getPayment(argument: _metrox_payment_v1_GetPaymentRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_metrox_payment_v1_Payment__Output>): grpc.ClientUnaryCall;
  getPayment(argument: _metrox_payment_v1_GetPaymentRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_metrox_payment_v1_Payment__Output>): grpc.ClientUnaryCall;
  getPayment(argument: _metrox_payment_v1_GetPaymentRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_metrox_payment_v1_Payment__Output>): grpc.ClientUnaryCall;
  getPayment(argument: _metrox_payment_v1_GetPaymentRequest, callback: grpc.requestCallback<_metrox_payment_v1_Payment__Output>): grpc.ClientUnaryCall;
  
  Refund(argument: _metrox_payment_v1_RefundRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_metrox_payment_v1_RefundResponse__Output>): grpc.ClientUnaryCall;
  Refund(argument: _metrox_payment_v1_RefundRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_metrox_payment_v1_RefundResponse__Output>): grpc.ClientUnaryCall;
  Refund(argument: _metrox_payment_v1_RefundRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_metrox_payment_v1_RefundResponse__Output>): grpc.ClientUnaryCall;
  Refund(argument: _metrox_payment_v1_RefundRequest, callback: grpc.requestCallback<_metrox_payment_v1_RefundResponse__Output>): grpc.ClientUnaryCall;
  refund(argument: _metrox_payment_v1_RefundRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_metrox_payment_v1_RefundResponse__Output>): grpc.ClientUnaryCall;
  refund(argument: _metrox_payment_v1_RefundRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_metrox_payment_v1_RefundResponse__Output>): grpc.ClientUnaryCall;
  refund(argument: _metrox_payment_v1_RefundRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_metrox_payment_v1_RefundResponse__Output>): grpc.ClientUnaryCall;
  refund(argument: _metrox_payment_v1_RefundRequest, callback: grpc.requestCallback<_metrox_payment_v1_RefundResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface PaymentServiceHandlers extends grpc.UntypedServiceImplementation {
  GetPayment: grpc.handleUnaryCall<_metrox_payment_v1_GetPaymentRequest__Output, _metrox_payment_v1_Payment>;
  
  Refund: grpc.handleUnaryCall<_metrox_payment_v1_RefundRequest__Output, _metrox_payment_v1_RefundResponse>;
  
}

export interface PaymentServiceDefinition extends grpc.ServiceDefinition {
  GetPayment: MethodDefinition<_metrox_payment_v1_GetPaymentRequest, _metrox_payment_v1_Payment, _metrox_payment_v1_GetPaymentRequest__Output, _metrox_payment_v1_Payment__Output>
  Refund: MethodDefinition<_metrox_payment_v1_RefundRequest, _metrox_payment_v1_RefundResponse, _metrox_payment_v1_RefundRequest__Output, _metrox_payment_v1_RefundResponse__Output>
}
