// E-mail through any SMTP server (SMTP_URL, e.g. smtp://user:pass@mail.example.org:587).
// The notification id becomes the Message-ID, so a repeated send is recognisable downstream.
import nodemailer from 'nodemailer';
import type { NotificationProvider } from './provider.ts';

export function createSmtpProvider(options: { url: string; from: string }): NotificationProvider {
  const transport = nodemailer.createTransport(options.url);
  const domain = options.from.split('@')[1] ?? 'metrox.local';
  return {
    channel: 'email',
    address: (contact) => (contact.email === '' ? undefined : contact.email),
    async send(message) {
      const info = await transport.sendMail({
        from: options.from,
        to: message.to,
        subject: message.subject,
        text: message.body,
        messageId: `<${message.notificationId}@${domain}>`,
      });
      return { providerMessageId: info.messageId };
    },
    close() {
      transport.close();
      return Promise.resolve();
    },
  };
}
