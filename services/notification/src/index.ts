// @metrox/notification: the service definition (for tests and tools) and the provider interface.
export { notificationService } from './service.ts';
export type { NotificationProvider, OutgoingMessage, Channel, Contact } from './providers/provider.ts';
export { createLogProvider } from './providers/log-provider.ts';
export { createSmtpProvider } from './providers/smtp-provider.ts';
