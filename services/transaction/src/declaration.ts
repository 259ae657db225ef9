// What Transaction is: the one place its name, ports, events and peers are written.
import { defineService } from '@metrox/contracts/declaration';

export const transactionDeclaration = defineService({
  name: 'transaction',
  ports: { http: 8080, grpc: 50051 },
  events: { publishes: ['TransactionCreated', 'TransactionCompleted'], consumes: ['PaymentConfirmed', 'PaymentFailed'] },
  peers: [],
});
