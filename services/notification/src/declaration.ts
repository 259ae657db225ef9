// What Notification is: the one place its name, ports, events and peers are written.
import { defineService } from '@metrox/contracts/declaration';
import { notificationSettingsSchema } from './settings.ts';

export const notificationDeclaration = defineService({
  name: 'notification',
  ports: { http: 8083, grpc: 50054 },
  events: { publishes: ['NotificationSent'], consumes: ['PaymentConfirmed', 'PaymentFailed'] },
  // The rider's contact and the purchase come from Transaction over gRPC.
  peers: ['transaction'],
  settings: notificationSettingsSchema,
});
