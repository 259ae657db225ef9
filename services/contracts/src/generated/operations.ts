import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { OperationalEvent as _metrox_operations_v1_OperationalEvent, OperationalEvent__Output as _metrox_operations_v1_OperationalEvent__Output } from './metrox/operations/v1/OperationalEvent.ts';
import type { OperationsServiceClient as _metrox_operations_v1_OperationsServiceClient, OperationsServiceDefinition as _metrox_operations_v1_OperationsServiceDefinition } from './metrox/operations/v1/OperationsService.ts';
import type { WatchEventsRequest as _metrox_operations_v1_WatchEventsRequest, WatchEventsRequest__Output as _metrox_operations_v1_WatchEventsRequest__Output } from './metrox/operations/v1/WatchEventsRequest.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  metrox: {
    operations: {
      v1: {
        OperationalEvent: MessageTypeDefinition<_metrox_operations_v1_OperationalEvent, _metrox_operations_v1_OperationalEvent__Output>
        OperationsService: SubtypeConstructor<typeof grpc.Client, _metrox_operations_v1_OperationsServiceClient> & { service: _metrox_operations_v1_OperationsServiceDefinition }
        WatchEventsRequest: MessageTypeDefinition<_metrox_operations_v1_WatchEventsRequest, _metrox_operations_v1_WatchEventsRequest__Output>
      }
    }
  }
}

