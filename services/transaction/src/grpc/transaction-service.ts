// TransactionService over gRPC, for internal callers (Notification looks up riders here).
import { loadTransactionProto, type TransactionServiceHandlers } from '@metrox/contracts';
import type { GrpcServer, Kit } from '@metrox/kit';
import { status, type ServiceError } from '@grpc/grpc-js';
import { findRider, findTransaction, publicView } from '../store/transactions.ts';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function grpcError(code: status, details: string): Partial<ServiceError> {
  return { code, details, message: details };
}

export function transactionGrpc(server: GrpcServer, kit: Kit): void {
  const handlers: TransactionServiceHandlers = {
    GetTransaction(call, callback) {
      const id = call.request.id;
      if (!uuid.test(id)) {
        callback(grpcError(status.INVALID_ARGUMENT, 'id must be a transaction UUID'));
        return;
      }
      findTransaction(kit.pool, id).then(
        (found) => {
          if (!found) {
            callback(grpcError(status.NOT_FOUND, `no transaction ${id}`));
            return;
          }
          const view = publicView(found);
          callback(null, { ...view, failureReason: view.failureReason ?? '' });
        },
        (error: unknown) => {
          kit.logger.error({ err: error }, 'GetTransaction failed');
          callback(grpcError(status.UNAVAILABLE, 'transaction store unavailable'));
        },
      );
    },
    GetRiderContact(call, callback) {
      const riderId = call.request.riderId;
      if (riderId === '') {
        callback(grpcError(status.INVALID_ARGUMENT, 'rider_id is required'));
        return;
      }
      findRider(kit.pool, riderId).then(
        (rider) => {
          if (!rider) {
            callback(grpcError(status.NOT_FOUND, `no rider ${riderId}`));
            return;
          }
          callback(null, { riderId: rider.id, email: rider.email, phone: rider.phone, displayName: rider.displayName });
        },
        (error: unknown) => {
          kit.logger.error({ err: error }, 'GetRiderContact failed');
          callback(grpcError(status.UNAVAILABLE, 'transaction store unavailable'));
        },
      );
    },
  };
  server.addService(loadTransactionProto().metrox.transaction.v1.TransactionService.service, handlers);
}
