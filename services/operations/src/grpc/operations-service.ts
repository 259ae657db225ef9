// OperationsService over gRPC: a server stream of every event applied from now on.
import { eventTypes, loadOperationsProto, type OperationsServiceHandlers } from '@metrox/contracts';
import type { GrpcServer, Kit } from '@metrox/kit';
import { Metadata, status } from '@grpc/grpc-js';
import type { EventFeed } from '../live/event-feed.ts';

// The call is an object-mode stream: its writableLength counts messages.
const maxBufferedEvents = 10_000;

export function operationsGrpc(feed: EventFeed) {
  return (server: GrpcServer, kit: Kit): void => {
    const handlers: OperationsServiceHandlers = {
      WatchEvents(call) {
        const wanted = new Set(call.request.types);
        const unknown = [...wanted].filter((type) => !(eventTypes as string[]).includes(type));
        if (unknown.length > 0) {
          call.emit('error', { code: status.INVALID_ARGUMENT, details: `unknown event types: ${unknown.join(', ')}; known: ${eventTypes.join(', ')}` });
          return;
        }
        const unsubscribe = feed.subscribe((event) => {
          if (wanted.size > 0 && !wanted.has(event.type)) return;
          // A watcher that stops reading must not grow this process's memory without bound.
          if (call.writableLength > maxBufferedEvents) {
            unsubscribe();
            call.emit('error', { code: status.RESOURCE_EXHAUSTED, details: 'watcher is not reading fast enough; reconnect' });
            return;
          }
          call.write({
            id: event.id,
            type: event.type,
            source: event.source,
            time: event.time,
            transactionId: event.transactionId ?? '',
            dataJson: JSON.stringify(event.data),
          });
        });
        // Shutdown ends the stream cleanly, so the server can drain instead of waiting out its deadline.
        const stopOnClose = feed.onClose(() => {
          unsubscribe();
          call.end();
        });
        const cleanUp = (): void => {
          unsubscribe();
          stopOnClose();
        };
        call.on('cancelled', cleanUp);
        call.on('close', cleanUp);
        // Headers now, before any event: tells the caller the watch is in place.
        call.sendMetadata(new Metadata());
        kit.logger.debug({ types: [...wanted] }, 'watcher subscribed');
      },
    };
    server.addService(loadOperationsProto().metrox.operations.v1.OperationsService.service, handlers);
  };
}
