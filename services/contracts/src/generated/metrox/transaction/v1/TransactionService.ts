// Original file: proto/metrox/transaction/v1/transaction.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetRiderContactRequest as _metrox_transaction_v1_GetRiderContactRequest, GetRiderContactRequest__Output as _metrox_transaction_v1_GetRiderContactRequest__Output } from '../../../metrox/transaction/v1/GetRiderContactRequest.ts';
import type { GetTransactionRequest as _metrox_transaction_v1_GetTransactionRequest, GetTransactionRequest__Output as _metrox_transaction_v1_GetTransactionRequest__Output } from '../../../metrox/transaction/v1/GetTransactionRequest.ts';
import type { RiderContact as _metrox_transaction_v1_RiderContact, RiderContact__Output as _metrox_transaction_v1_RiderContact__Output } from '../../../metrox/transaction/v1/RiderContact.ts';
import type { Transaction as _metrox_transaction_v1_Transaction, Transaction__Output as _metrox_transaction_v1_Transaction__Output } from '../../../metrox/transaction/v1/Transaction.ts';

export interface TransactionServiceClient extends grpc.Client {
  GetRiderContact(argument: _metrox_transaction_v1_GetRiderContactRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_metrox_transaction_v1_RiderContact__Output>): grpc.ClientUnaryCall;
  GetRiderContact(argument: _metrox_transaction_v1_GetRiderContactRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_metrox_transaction_v1_RiderContact__Output>): grpc.ClientUnaryCall;
  GetRiderContact(argument: _metrox_transaction_v1_GetRiderContactRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_metrox_transaction_v1_RiderContact__Output>): grpc.ClientUnaryCall;
  GetRiderContact(argument: _metrox_transaction_v1_GetRiderContactRequest, callback: grpc.requestCallback<_metrox_transaction_v1_RiderContact__Output>): grpc.ClientUnaryCall;
  getRiderContact(argument: _metrox_transaction_v1_GetRiderContactRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_metrox_transaction_v1_RiderContact__Output>): grpc.ClientUnaryCall;
  getRiderContact(argument: _metrox_transaction_v1_GetRiderContactRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_metrox_transaction_v1_RiderContact__Output>): grpc.ClientUnaryCall;
  getRiderContact(argument: _metrox_transaction_v1_GetRiderContactRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_metrox_transaction_v1_RiderContact__Output>): grpc.ClientUnaryCall;
  getRiderContact(argument: _metrox_transaction_v1_GetRiderContactRequest, callback: grpc.requestCallback<_metrox_transaction_v1_RiderContact__Output>): grpc.ClientUnaryCall;
  
  GetTransaction(argument: _metrox_transaction_v1_GetTransactionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_metrox_transaction_v1_Transaction__Output>): grpc.ClientUnaryCall;
  GetTransaction(argument: _metrox_transaction_v1_GetTransactionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_metrox_transaction_v1_Transaction__Output>): grpc.ClientUnaryCall;
  GetTransaction(argument: _metrox_transaction_v1_GetTransactionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_metrox_transaction_v1_Transaction__Output>): grpc.ClientUnaryCall;
  GetTransaction(argument: _metrox_transaction_v1_GetTransactionRequest, callback: grpc.requestCallback<_metrox_transaction_v1_Transaction__Output>): grpc.ClientUnaryCall;
  getTransaction(argument: _metrox_transaction_v1_GetTransactionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_metrox_transaction_v1_Transaction__Output>): grpc.ClientUnaryCall;
  getTransaction(argument: _metrox_transaction_v1_GetTransactionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_metrox_transaction_v1_Transaction__Output>): grpc.ClientUnaryCall;
  getTransaction(argument: _metrox_transaction_v1_GetTransactionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_metrox_transaction_v1_Transaction__Output>): grpc.ClientUnaryCall;
  getTransaction(argument: _metrox_transaction_v1_GetTransactionRequest, callback: grpc.requestCallback<_metrox_transaction_v1_Transaction__Output>): grpc.ClientUnaryCall;
  
}

export interface TransactionServiceHandlers extends grpc.UntypedServiceImplementation {
  GetRiderContact: grpc.handleUnaryCall<_metrox_transaction_v1_GetRiderContactRequest__Output, _metrox_transaction_v1_RiderContact>;
  
  GetTransaction: grpc.handleUnaryCall<_metrox_transaction_v1_GetTransactionRequest__Output, _metrox_transaction_v1_Transaction>;
  
}

export interface TransactionServiceDefinition extends grpc.ServiceDefinition {
  GetRiderContact: MethodDefinition<_metrox_transaction_v1_GetRiderContactRequest, _metrox_transaction_v1_RiderContact, _metrox_transaction_v1_GetRiderContactRequest__Output, _metrox_transaction_v1_RiderContact__Output>
  GetTransaction: MethodDefinition<_metrox_transaction_v1_GetTransactionRequest, _metrox_transaction_v1_Transaction, _metrox_transaction_v1_GetTransactionRequest__Output, _metrox_transaction_v1_Transaction__Output>
}
