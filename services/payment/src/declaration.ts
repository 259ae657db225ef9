// What Payment is: the one place its name, ports, events and peers are written.
import { defineService } from '@metrox/contracts/declaration';

export const paymentDeclaration = defineService({
  name: 'payment',
  ports: { http: 8081, grpc: 50052 },
  events: { publishes: ['PaymentConfirmed', 'PaymentFailed'], consumes: ['TransactionCreated'] },
  peers: [],
});
