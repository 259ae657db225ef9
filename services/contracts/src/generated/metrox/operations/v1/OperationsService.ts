// Original file: proto/metrox/operations/v1/operations.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { OperationalEvent as _metrox_operations_v1_OperationalEvent, OperationalEvent__Output as _metrox_operations_v1_OperationalEvent__Output } from '../../../metrox/operations/v1/OperationalEvent.ts';
import type { WatchEventsRequest as _metrox_operations_v1_WatchEventsRequest, WatchEventsRequest__Output as _metrox_operations_v1_WatchEventsRequest__Output } from '../../../metrox/operations/v1/WatchEventsRequest.ts';

export interface OperationsServiceClient extends grpc.Client {
  WatchEvents(argument: _metrox_operations_v1_WatchEventsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_metrox_operations_v1_OperationalEvent__Output>;
  WatchEvents(argument: _metrox_operations_v1_WatchEventsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_metrox_operations_v1_OperationalEvent__Output>;
  watchEvents(argument: _metrox_operations_v1_WatchEventsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_metrox_operations_v1_OperationalEvent__Output>;
  watchEvents(argument: _metrox_operations_v1_WatchEventsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_metrox_operations_v1_OperationalEvent__Output>;
  
}

export interface OperationsServiceHandlers extends grpc.UntypedServiceImplementation {
  WatchEvents: grpc.handleServerStreamingCall<_metrox_operations_v1_WatchEventsRequest__Output, _metrox_operations_v1_OperationalEvent>;
  
}

export interface OperationsServiceDefinition extends grpc.ServiceDefinition {
  WatchEvents: MethodDefinition<_metrox_operations_v1_WatchEventsRequest, _metrox_operations_v1_OperationalEvent, _metrox_operations_v1_WatchEventsRequest__Output, _metrox_operations_v1_OperationalEvent__Output>
}
