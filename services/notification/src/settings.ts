// Pure: the notification service's own settings from the environment.
import { z } from 'zod';

const positive = z.coerce.number().int().positive();

export const notificationSettingsSchema = z.object({
  NOTIFICATION_POLL_INTERVAL_MS: positive.default(1_000),
  NOTIFICATION_BATCH_SIZE: positive.max(1_000).default(32),
  NOTIFICATION_DISPATCH_LOOPS: positive.max(16).default(3),
  NOTIFICATION_CLAIM_LEASE_MS: positive.default(60_000),
  NOTIFICATION_RETRY_BASE_MS: positive.default(1_000),
  NOTIFICATION_RETRY_MAX_MS: positive.default(60_000),
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  NOTIFICATION_FROM: z.email().default('tickets@metrox.local'),
});

export type NotificationSettings = z.infer<typeof notificationSettingsSchema>;

export function notificationSettingsFromEnv(env: NodeJS.ProcessEnv): NotificationSettings {
  const parsed = notificationSettingsSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid configuration: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  }
  return parsed.data;
}
