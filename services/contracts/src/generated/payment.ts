import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { GetPaymentRequest as _metrox_payment_v1_GetPaymentRequest, GetPaymentRequest__Output as _metrox_payment_v1_GetPaymentRequest__Output } from './metrox/payment/v1/GetPaymentRequest.ts';
import type { Payment as _metrox_payment_v1_Payment, Payment__Output as _metrox_payment_v1_Payment__Output } from './metrox/payment/v1/Payment.ts';
import type { PaymentServiceClient as _metrox_payment_v1_PaymentServiceClient, PaymentServiceDefinition as _metrox_payment_v1_PaymentServiceDefinition } from './metrox/payment/v1/PaymentService.ts';
import type { RefundRequest as _metrox_payment_v1_RefundRequest, RefundRequest__Output as _metrox_payment_v1_RefundRequest__Output } from './metrox/payment/v1/RefundRequest.ts';
import type { RefundResponse as _metrox_payment_v1_RefundResponse, RefundResponse__Output as _metrox_payment_v1_RefundResponse__Output } from './metrox/payment/v1/RefundResponse.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  metrox: {
    payment: {
      v1: {
        GetPaymentRequest: MessageTypeDefinition<_metrox_payment_v1_GetPaymentRequest, _metrox_payment_v1_GetPaymentRequest__Output>
        Payment: MessageTypeDefinition<_metrox_payment_v1_Payment, _metrox_payment_v1_Payment__Output>
        PaymentService: SubtypeConstructor<typeof grpc.Client, _metrox_payment_v1_PaymentServiceClient> & { service: _metrox_payment_v1_PaymentServiceDefinition }
        RefundRequest: MessageTypeDefinition<_metrox_payment_v1_RefundRequest, _metrox_payment_v1_RefundRequest__Output>
        RefundResponse: MessageTypeDefinition<_metrox_payment_v1_RefundResponse, _metrox_payment_v1_RefundResponse__Output>
      }
    }
  }
}

