// Loads the .proto files at run time with the same options the type generator uses,
// so the generated types in ./generated describe exactly what grpc-js hands out.
import { loadPackageDefinition, type GrpcObject } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import type { ProtoGrpcType as TransactionProto } from './generated/transaction.ts';
import type { ProtoGrpcType as PaymentProto } from './generated/payment.ts';
import type { ProtoGrpcType as OperationsProto } from './generated/operations.ts';

export const protoRoot = fileURLToPath(new URL('../proto', import.meta.url));

/** Must match the flags of the `codegen` script in package.json. */
export const protoLoaderOptions: Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [protoRoot],
};

function load(file: string): GrpcObject {
  return loadPackageDefinition(loadSync(file, protoLoaderOptions));
}

export function loadTransactionProto(): TransactionProto {
  return load('metrox/transaction/v1/transaction.proto') as unknown as TransactionProto;
}

export function loadPaymentProto(): PaymentProto {
  return load('metrox/payment/v1/payment.proto') as unknown as PaymentProto;
}

export function loadOperationsProto(): OperationsProto {
  return load('metrox/operations/v1/operations.proto') as unknown as OperationsProto;
}
