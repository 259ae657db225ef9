// What Notification is: the one place its name, ports, events and peers are written.
import { defineService } from '@metrox/contracts/declaration';
import { notificationSettingsSchema } from './settings.ts';

export const notificationDeclaration = defineService({
  name: 'notification',
  ports: { http: 8083, grpc: 50054 },
  // The purchase and the rider's contact travel in TransactionCompleted: no peer to call.
  events: { publishes: ['NotificationSent'], consumes: ['TransactionCompleted'] },
  peers: [],
  settings: notificationSettingsSchema,
});
