// What Operations is: the one place its name, ports, events and peers are written.
import { defineService } from '@metrox/contracts/declaration';

export const operationsDeclaration = defineService({
  name: 'operations',
  ports: { http: 8082, grpc: 50053 },
  events: { publishes: [], consumes: ['TransactionCreated', 'TransactionCompleted', 'PaymentConfirmed', 'PaymentFailed', 'NotificationSent'] },
  peers: [],
});
