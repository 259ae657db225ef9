import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { GetRiderContactRequest as _metrox_transaction_v1_GetRiderContactRequest, GetRiderContactRequest__Output as _metrox_transaction_v1_GetRiderContactRequest__Output } from './metrox/transaction/v1/GetRiderContactRequest.ts';
import type { GetTransactionRequest as _metrox_transaction_v1_GetTransactionRequest, GetTransactionRequest__Output as _metrox_transaction_v1_GetTransactionRequest__Output } from './metrox/transaction/v1/GetTransactionRequest.ts';
import type { RiderContact as _metrox_transaction_v1_RiderContact, RiderContact__Output as _metrox_transaction_v1_RiderContact__Output } from './metrox/transaction/v1/RiderContact.ts';
import type { Transaction as _metrox_transaction_v1_Transaction, Transaction__Output as _metrox_transaction_v1_Transaction__Output } from './metrox/transaction/v1/Transaction.ts';
import type { TransactionServiceClient as _metrox_transaction_v1_TransactionServiceClient, TransactionServiceDefinition as _metrox_transaction_v1_TransactionServiceDefinition } from './metrox/transaction/v1/TransactionService.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  metrox: {
    transaction: {
      v1: {
        GetRiderContactRequest: MessageTypeDefinition<_metrox_transaction_v1_GetRiderContactRequest, _metrox_transaction_v1_GetRiderContactRequest__Output>
        GetTransactionRequest: MessageTypeDefinition<_metrox_transaction_v1_GetTransactionRequest, _metrox_transaction_v1_GetTransactionRequest__Output>
        RiderContact: MessageTypeDefinition<_metrox_transaction_v1_RiderContact, _metrox_transaction_v1_RiderContact__Output>
        Transaction: MessageTypeDefinition<_metrox_transaction_v1_Transaction, _metrox_transaction_v1_Transaction__Output>
        TransactionService: SubtypeConstructor<typeof grpc.Client, _metrox_transaction_v1_TransactionServiceClient> & { service: _metrox_transaction_v1_TransactionServiceDefinition }
      }
    }
  }
}

