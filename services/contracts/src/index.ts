// MetroX contracts: domain event schemas (zod) and the internal gRPC APIs (.proto + generated types).
export * from './events.ts';
export * from './grpc.ts';
export type { ProtoGrpcType as TransactionProto } from './generated/transaction.ts';
export type { ProtoGrpcType as PaymentProto } from './generated/payment.ts';
export type { ProtoGrpcType as OperationsProto } from './generated/operations.ts';
export type { TransactionServiceHandlers } from './generated/metrox/transaction/v1/TransactionService.ts';
export type { TransactionServiceClient } from './generated/metrox/transaction/v1/TransactionService.ts';
export type { PaymentServiceHandlers, PaymentServiceClient } from './generated/metrox/payment/v1/PaymentService.ts';
export type { OperationsServiceHandlers, OperationsServiceClient } from './generated/metrox/operations/v1/OperationsService.ts';
